import { IsDateString, IsString, IsUUID, Length, Matches } from 'class-validator';

/** A KI centre closed; no further funding is allocated to it. */
export class CentreClosedV1 {
  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key). */
  @Matches(/^05\d{3}(\d{3})?$/, { message: 'hostBodyKey must be a 5-digit NRW territory key or an 8-digit municipality key' })
  hostBodyKey: string;

  /** Closing date, ISO calendar date (YYYY-MM-DD). */
  @IsDateString({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'closedOn must be a calendar date YYYY-MM-DD' })
  closedOn: string;

  /** Why the centre closed. */
  @IsString()
  @Length(3, 1000)
  reason: string;
}
