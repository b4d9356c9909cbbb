import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StatsDto } from './stats.dto';
import { StatsService } from './stats.service';

@ApiTags('stats')
@Controller('api/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    summary: 'Catalog, session and vote totals; top rated and most played games; plays per pack',
    description: 'Computed on each request from the catalog, the sessions and the votes.',
  })
  @ApiOkResponse({ type: StatsDto, description: 'The totals and rankings.' })
  getStats(): Promise<StatsDto> {
    return this.stats.getStats();
  }
}
