import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-body';
import { PickDto, PickResultDto } from './dto/pick.dto';
import { PickerService } from './picker.service';

@ApiTags('picker')
@Controller('api/pick')
export class PickerController {
  constructor(private readonly picker: PickerService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pick a game at random, weighted by favor',
    description:
      'Among enabled games that pass the filters, and (with sessionId) not among the last two games of that session ' +
      '(or any of its games with excludePlayed). Weight: game favor 1 = x3, 0 = x1, -1 = x0.2, times the same for its pack. ' +
      'Popularity does not weigh. The game is not added to the session.',
  })
  @ApiOkResponse({ type: PickResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'Nothing eligible (the message names the filter), or no such session',
  })
  pickGame(@Body() dto: PickDto): Promise<PickResultDto> {
    return this.picker.pick(dto);
  }
}
