import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OpeningDateStatus } from '@ki/contracts';
import type { CentreStatus } from '../domain/centre';

@Entity('centres')
export class Centre {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'host_body_key' })
  hostBodyKey: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'host_authority' })
  hostAuthority: string;

  @Column('text')
  address: string;

  @Column('text', { name: 'contact_email' })
  contactEmail: string;

  @Column('text')
  status: CentreStatus;

  @Column('integer', { nullable: true })
  ordinal: number | null;

  @Column('date', { name: 'opened_on', nullable: true })
  openedOn: string | null;

  @Column('text', { name: 'opening_place', nullable: true })
  openingPlace: string | null;

  /** `documented`, or `assumed` when the history file assumed the date; null until the centre opens. */
  @Column('text', { name: 'opening_date_status', nullable: true })
  openingDateStatus: OpeningDateStatus | null;

  /** True when the history import recorded the opening after the fact. */
  @Column('boolean', { name: 'recorded_later', default: false })
  recordedLater: boolean;

  @Column('date', { name: 'closed_on', nullable: true })
  closedOn: string | null;

  @Column('text', { name: 'close_reason', nullable: true })
  closeReason: string | null;

  @Column('timestamptz', { name: 'registered_at', default: () => 'now()' })
  registeredAt: Date;
}

@Entity('host_bodies')
export class HostBody {
  @PrimaryColumn('text')
  key: string;

  @Column('text', { name: 'territory_key' })
  territoryKey: string;

  @Column('text')
  name: string;
}

@Entity('territories')
export class Territory {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text')
  kind: 'kreis' | 'kreisfreie_stadt' | 'staedteregion';

  @Column('text')
  regierungsbezirk: string;
}

@Entity('centre_history')
export class CentreHistoryEntry {
  @PrimaryColumn('bigint')
  seq: string;

  @Column('uuid', { name: 'centre_id' })
  centreId: string;

  @Column('text', { name: 'event_id' })
  eventId: string;

  @Column('text', { name: 'event_type' })
  eventType: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('jsonb')
  payload: object;
}
