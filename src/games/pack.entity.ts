import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A pack: its games share its name, and its favor bias multiplies their picker weight. */
@Entity({ name: 'packs' })
export class Pack {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'smallint', default: 0 })
  favor_bias!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;
}
