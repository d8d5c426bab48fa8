import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, Matches } from 'class-validator';

/** Register a KI centre for a host body. The same checks apply over HTTP and Kafka. */
export class RegisterCentreCommand {
  @ApiProperty({ example: '05558', description: '5-digit territory key, or 05334002 for Stadt Aachen' })
  @Matches(/^05\d{3}(\d{3})?$/, { message: 'hostBodyKey must be a 5-digit NRW territory key or 05334002 (Stadt Aachen)' })
  hostBodyKey: string;

  @ApiProperty({ example: 'Kommunales Integrationszentrum Kreis Coesfeld' })
  @IsString()
  @Length(3, 200)
  name: string;

  @ApiProperty({ example: 'Kreis Coesfeld' })
  @IsString()
  @Length(3, 200)
  hostAuthority: string;

  @ApiProperty({ example: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld' })
  @IsString()
  @Length(5, 300)
  address: string;

  @ApiProperty({ example: 'ki@kreis-coesfeld.de' })
  @IsEmail()
  contactEmail: string;
}
