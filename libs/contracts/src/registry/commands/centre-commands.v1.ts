import { IsCalendarDate } from '../../fields';
import { IsEmail, IsString, IsUUID, Length, Matches } from 'class-validator';

/** Register a KI centre for a host body. The same class validates the REST body and the Kafka command. */
export class RegisterCentreV1 {
  /** 5-digit territory key, or 05334002 for Stadt Aachen. */
  @Matches(/^05\d{3}(\d{3})?$/, { message: 'hostBodyKey must be a 5-digit NRW territory key or 05334002 (Stadt Aachen)' })
  hostBodyKey: string;

  /** Name of the centre. */
  @IsString()
  @Length(3, 200)
  name: string;

  /** Authority that runs it. */
  @IsString()
  @Length(3, 200)
  hostAuthority: string;

  /** Postal address of the office. */
  @IsString()
  @Length(5, 300)
  address: string;

  /** Contact e-mail of the centre (sensitive: masked for operators without the reveal role). */
  @IsEmail()
  contactEmail: string;
}

/** Open a registered centre. */
export class OpenCentreV1 {
  /** The registered centre. */
  @IsUUID()
  centreId: string;

  /** Opening date, YYYY-MM-DD. */
  @IsCalendarDate()
  openedOn: string;

  /** Place of the opening event. */
  @IsString()
  @Length(2, 200)
  place: string;
}

/** Close an open centre. */
export class CloseCentreV1 {
  /** The open centre. */
  @IsUUID()
  centreId: string;

  /** Closing date, YYYY-MM-DD, not before the opening. */
  @IsCalendarDate()
  closedOn: string;

  /** Why it closes. */
  @IsString()
  @Length(3, 1000)
  reason: string;
}

/** A registry command was carried out. */
export class RegistryCommandAcceptedV1 {
  /** `ce_id` of the command. */
  @IsString()
  commandId: string;

  /** `ce_type` of the command. */
  @IsString()
  commandType: string;

  /** The centre it created or changed. */
  @IsUUID()
  centreId: string;
}

/** A registry command broke a rule and changed nothing. */
export class RegistryCommandRejectedV1 {
  /** `ce_id` of the command. */
  @IsString()
  commandId: string;

  /** `ce_type` of the command. */
  @IsString()
  commandType: string;

  /** Stable code, e.g. REGISTRY.ACTIVE_CENTRE_EXISTS. */
  @IsString()
  code: string;

  /** Human-readable reason. */
  @IsString()
  reason: string;
}
