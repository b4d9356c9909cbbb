import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-errors';
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
      'Popularity does not weigh. The game is not added to the session. No body, or `{}`, picks among every enabled game.',
  })
  @ApiBody({
    type: PickDto,
    required: false,
    description: 'Filters, all optional; `pack` or `packs`, not both.',
    examples: {
      anyGame: { summary: 'Any enabled game', value: {} },
      sixPlayers: {
        summary: 'Six players, no drawing, short',
        value: { playerCount: 6, drawing: 'exclude', length: 'short' },
      },
      packs: {
        summary: 'From two packs',
        value: { packs: ['The Jackbox Party Pack 7', 'The Jackbox Party Pack 9'] },
      },
    },
  })
  @ApiOkResponse({
    type: PickResultDto,
    description: 'The picked game and how many were eligible.',
  })
  @ApiErrors({
    400: {
      description: 'A filter out of range, pack with packs, or excludePlayed without sessionId',
      examples: {
        packAndPacks: 'Send pack or packs, not both',
        excludePlayedAlone: 'excludePlayed needs sessionId',
      },
    },
    404: {
      description:
        'Nothing eligible (the message names the filter that emptied the pool), or no such session',
      examples: {
        noMatch: 'No games to pick from: no enabled game matches pack = "No Such Pack"',
        noSession: 'Session 9999 not found',
      },
    },
  })
  pickGame(@Body() dto: PickDto): Promise<PickResultDto> {
    return this.picker.pick(dto);
  }
}
