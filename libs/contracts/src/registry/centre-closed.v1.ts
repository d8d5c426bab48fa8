import { IsHostBodyKey, IsCalendarDate } from '../fields';
import { IsString, IsUUID, Length } from 'class-validator';

/** A KI centre closed; no further funding is allocated to it. */
export class CentreClosedV1 {
  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Closing date, ISO calendar date (YYYY-MM-DD). */
  @IsCalendarDate()
  closedOn: string;

  /** Why the centre closed. */
  @IsString()
  @Length(3, 1000)
  reason: string;
}
