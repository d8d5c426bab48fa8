import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An opening to announce; the announcement is composed once its funding result is known. */
@Entity('openings')
export class Opening {
  /** Id of the centre-opened event; the allocation result refers to it. */
  @PrimaryColumn('text', { name: 'opened_event_id' })
  openedEventId: string;

  @Column('uuid', { name: 'centre_id' })
  centreId: string;

  @Column('text', { name: 'host_body_name' })
  hostBodyName: string;

  @Column('integer')
  ordinal: number;

  @Column('date', { name: 'opened_on' })
  openedOn: string;

  @Column('text')
  place: string;

  @Column('text', { name: 'correlation_id' })
  correlationId: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
