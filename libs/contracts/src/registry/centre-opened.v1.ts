import { IsHostBodyKey, IsTerritoryKey, IsCalendarDate } from '../fields';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Min } from 'class-validator';

/** Whether an opening date is documented by a source or an assumption of the project's history file. */
export const OpeningDateStatuses = ['documented', 'assumed'] as const;
export type OpeningDateStatus = (typeof OpeningDateStatuses)[number];

/** A KI centre opened: the fact that drives funding allocation and announcements. */
export class CentreOpenedV1 {
  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body: the 5-digit territory key, or the 8-digit key of Stadt Aachen (05334002). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** The territory (5-digit official key) the host body lies in. */
  @IsTerritoryKey()
  territoryKey: string;

  /** Official name of the host body, e.g. "Kreis Coesfeld". */
  @IsString()
  @Length(1, 200)
  hostBodyName: string;

  /** Statewide running number of this opening ("the 50th KI"); gapless. */
  @IsInt()
  @Min(1)
  ordinal: number;

  /** Opening date, ISO calendar date (YYYY-MM-DD). */
  @IsCalendarDate()
  openedOn: string;

  /** Place of the opening event (the ceremony), e.g. "Lüdinghausen"; not necessarily the centre's seat. */
  @IsString()
  @Length(1, 200)
  place: string;

  /** Postal address of the centre's office, e.g. "Friedrich-Ebert-Straße 7, 48653 Coesfeld"; absent in events before it was added. */
  @IsOptional()
  @IsString()
  @Length(1, 300)
  seat?: string;

  /** `assumed` when the opening date is an assumption of the history file; absent or `documented` otherwise. */
  @IsOptional()
  @IsIn(OpeningDateStatuses)
  dateStatus?: OpeningDateStatus;

  /** True when the opening was recorded later by the history import (not news: it is not announced to subscribers). */
  @IsOptional()
  @IsBoolean()
  historical?: boolean;

  /** Ordinal of the host body's previous centre when this opening is a reopening (a new KI with a new ordinal). */
  @IsOptional()
  @IsInt()
  @Min(1)
  previousOrdinal?: number;

  /** Closing date of the host body's previous centre when this opening is a reopening, YYYY-MM-DD. */
  @IsOptional()
  @IsCalendarDate()
  previousClosedOn?: string;
}

/** An example payload: the 50th opening, Kreis Coesfeld on 12 February 2016 (for docs and tests). */
export const centreOpenedExample: Readonly<CentreOpenedV1> = {
  centreId: '7d0e4bde-3f43-4a4c-9f4c-0b6a3f1f2a11',
  hostBodyKey: '05558',
  territoryKey: '05558',
  hostBodyName: 'Kreis Coesfeld',
  ordinal: 50,
  openedOn: '2016-02-12',
  place: 'Lüdinghausen',
  seat: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld',
  dateStatus: 'documented',
};
