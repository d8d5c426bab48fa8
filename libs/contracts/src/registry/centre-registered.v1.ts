import { IsHostBodyKey, IsTerritoryKey } from '../fields';
import { IsString, IsUUID, Length } from 'class-validator';

/** A KI centre was registered for a host body; it is not open yet. */
export class CentreRegisteredV1 {
  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body: the 5-digit territory key, or 05334002 for Stadt Aachen. */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** The territory (5-digit official key) the host body lies in. */
  @IsTerritoryKey()
  territoryKey: string;

  /** Name of the centre, e.g. "Kommunales Integrationszentrum Kreis Coesfeld". */
  @IsString()
  @Length(1, 200)
  name: string;

  /** Authority that runs the centre, e.g. "Kreis Coesfeld". */
  @IsString()
  @Length(1, 200)
  hostAuthority: string;
}
