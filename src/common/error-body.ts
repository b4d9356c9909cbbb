import { ApiProperty } from '@nestjs/swagger';

/** The one error shape every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({
    description: 'What went wrong, in words meant for the person who sent the request.',
    example: 'Session 9999 not found',
  })
  error!: string;
}
