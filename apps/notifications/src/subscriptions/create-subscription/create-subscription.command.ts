import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AnnouncementKind, AnnouncementKinds, DeliveryChannel, DeliveryChannels } from '@ki/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
} from 'class-validator';

/** A new subscriber: a webhook URL or an e-mail address, and the kinds of announcement it wants. */
export class CreateSubscriptionCommand {
  /** `webhook` (signed HTTP POST) or `email`. */
  @ApiProperty({ enum: DeliveryChannels })
  @IsIn(DeliveryChannels)
  channel: DeliveryChannel;

  /** For `webhook`: the http(s) URL to POST announcements to. */
  @ApiPropertyOptional({ example: 'https://example.org/hooks/ki' })
  @ValidateIf((c: CreateSubscriptionCommand) => c.channel === 'webhook')
  @IsString()
  @MaxLength(2000)
  url?: string;

  /** For `email`: the address to send announcements to. */
  @ApiPropertyOptional({ example: 'presse@example.org' })
  @ValidateIf((c: CreateSubscriptionCommand) => c.channel === 'email')
  @IsEmail()
  @MaxLength(320)
  email?: string;

  /** Announcement kinds wanted: `opening` and/or `funding` (follow-ups with the funding of an opening announced alone). */
  @ApiProperty({ enum: ['opening', 'funding'], isArray: true })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(2)
  @IsIn(AnnouncementKinds, { each: true })
  eventKinds: AnnouncementKind[];

  /** A note for operators, e.g. who runs the receiver. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}
