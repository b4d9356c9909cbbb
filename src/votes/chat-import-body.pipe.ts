import { BadRequestException, PipeTransform } from '@nestjs/common';
import { createValidationPipe } from '../common/validation.pipe';
import { ChatImportDto } from './dto/vote.dto';

/**
 * Accepts both forms of a chat import, `{chatData: [...]}` and the bare array, and validates
 * it. (The handler's parameter is not typed as the DTO, so the global pipe leaves it to this one.)
 */
export class ChatImportBodyPipe implements PipeTransform<unknown, Promise<ChatImportDto>> {
  private readonly validation = createValidationPipe();

  async transform(value: unknown): Promise<ChatImportDto> {
    const body = Array.isArray(value) ? { chatData: value } : (value ?? {});
    // Nested validation would take an array for a message and pass it on half-checked.
    const messages = (body as { chatData?: unknown }).chatData;
    const inner = Array.isArray(messages) ? messages.findIndex((m) => Array.isArray(m)) : -1;
    if (inner >= 0) throw new BadRequestException(`chatData.${inner} must be an object`);
    return (await this.validation.transform(body, {
      type: 'body',
      metatype: ChatImportDto,
    })) as ChatImportDto;
  }
}
