import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { EventType } from './event-types';

/** The transactional outbox: one row per state change, written in the change's transaction. */
@Entity({ name: 'events' })
@Index('idx_events_session_id', ['sessionId', 'id'])
export class EventRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  type!: EventType;

  @Column({ name: 'session_id', type: 'integer', nullable: true })
  sessionId!: number | null;

  @Column({ type: 'json' })
  payload!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
