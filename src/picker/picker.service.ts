import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { GamesRepository, type CatalogFilter } from '../games/games.repository';
import { SessionsService } from '../sessions/sessions.service';
import type { PickDto, PickResultDto } from './dto/pick.dto';
import { RandomSource } from './random-source';

@Injectable()
export class PickerService {
  constructor(
    private readonly games: GamesRepository,
    private readonly sessions: SessionsService,
    private readonly random: RandomSource,
  ) {}

  /** A weighted random choice among the eligible games (see GamesRepository.pickWeighted). */
  async pick(dto: PickDto): Promise<PickResultDto> {
    if (dto.excludePlayed && dto.sessionId === undefined) {
      throw new BadRequestException('excludePlayed needs sessionId');
    }
    if (dto.pack !== undefined && dto.packs !== undefined) {
      throw new BadRequestException('Send pack or packs, not both');
    }
    if (dto.sessionId !== undefined) await this.sessions.assertExists(dto.sessionId);
    const filter = this.filter(dto);
    const picked = await this.games.pickWeighted(filter, this.random.next());
    if (!picked) throw new NotFoundException(await this.explainEmptyPool(dto, filter));
    return picked;
  }

  /**
   * Up to `count` different games, each a weighted pick among those not drawn yet, with the
   * session's repeat avoidance (its last two games): how a poll's default options are drawn.
   * 404 when not even one game can be picked; fewer than `count` when the pool runs out.
   */
  async pickSeveral(sessionId: number, count: number): Promise<PickResultDto['game'][]> {
    const picked: PickResultDto['game'][] = [];
    while (picked.length < count) {
      const filter: CatalogFilter = {
        enabled: true,
        sessionId,
        excludeIds: picked.map((g) => g.id),
      };
      const next = await this.games.pickWeighted(filter, this.random.next());
      if (!next) break;
      picked.push(next.game);
    }
    if (picked.length === 0) {
      throw new NotFoundException(
        await this.explainEmptyPool({ sessionId }, { enabled: true, sessionId }),
      );
    }
    return picked;
  }

  private filter(dto: PickDto): CatalogFilter {
    return { ...dto, enabled: true, packs: dto.packs ?? (dto.pack ? [dto.pack] : undefined) };
  }

  /** Names the first filter that left no game. */
  private async explainEmptyPool(dto: PickDto, filter: CatalogFilter): Promise<string> {
    const steps = await this.games.narrowing(filter);
    const emptied = steps.findIndex((s) => s.remaining === 0);
    const field = steps[emptied]?.field;
    if (field === undefined || field === 'enabled') {
      return 'No games to pick from: every game is disabled';
    }
    if (field === 'excludePlayed') {
      return `No games to pick from: every matching game was already played in session ${dto.sessionId}`;
    }
    if (field === 'sessionId') {
      return `No games to pick from: the only matching games are the last two played in session ${dto.sessionId}`;
    }
    const value =
      field === 'pack'
        ? JSON.stringify(dto.packs ?? dto.pack)
        : JSON.stringify(dto[field as keyof PickDto]);
    return (
      `No games to pick from: no enabled game matches ${field} = ${value}` +
      (emptied === 1 ? '' : ' together with the other filters')
    );
  }
}
