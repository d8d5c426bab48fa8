import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The ledger's copy of a centre as the registry announced it. Allocation decisions read it
 * (is the centre known, is it still open) without calling the registry.
 */
@Entity('known_centres')
export class KnownCentre {
  @PrimaryColumn('uuid', { name: 'centre_id' })
  centreId: string;

  @Column('text', { name: 'host_body_key' })
  hostBodyKey: string;

  @Column('text', { name: 'territory_key' })
  territoryKey: string;

  @Column('text', { name: 'host_body_name' })
  hostBodyName: string;

  @Column('integer')
  ordinal: number;

  @Column('date', { name: 'opened_on' })
  openedOn: string;

  /** Id of the centre-opened event this row came from. */
  @Column('text', { name: 'opened_event_id' })
  openedEventId: string;

  /** Closing date once the registry reported the closure; no funding after it. */
  @Column('date', { name: 'closed_on', nullable: true })
  closedOn: string | null;

  /** Id of the centre-closed event. */
  @Column('text', { name: 'closed_event_id', nullable: true })
  closedEventId: string | null;
}
