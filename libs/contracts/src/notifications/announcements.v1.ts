import { IsCalendarDate, IsHostBodyKey, IsWholeCents } from '../fields';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Min } from 'class-validator';
import { AllocationRejectionReason, AllocationRejectionReasons } from '../ledger/funding-allocated.v1';

/** What an announcement is about: an opening (with its funding when known by then), or the funding of an opening announced earlier. */
export const AnnouncementKinds = ['opening', 'funding'] as const;
export type AnnouncementKind = (typeof AnnouncementKinds)[number];

/** What the announcement says about the funding: booked, refused, or not known yet (announced later). */
export const AnnouncedFundingStatuses = ['allocated', 'rejected', 'pending'] as const;
export type AnnouncedFundingStatus = (typeof AnnouncedFundingStatuses)[number];

/** The channels a subscriber can receive announcements on. */
export const DeliveryChannels = ['webhook', 'email'] as const;
export type DeliveryChannel = (typeof DeliveryChannels)[number];

/** Why a delivery was given up. */
export const DeliveryFailureReasons = ['ATTEMPTS_EXHAUSTED', 'SUBSCRIBER_DISABLED'] as const;
export type DeliveryFailureReason = (typeof DeliveryFailureReasons)[number];

/** The notifications service published a numbered announcement (press release) about an opening or its funding. */
export class AnnouncementPublishedV1 {
  /** Id of the announcement (GET /announcements/{id}). */
  @IsUUID()
  announcementId: string;

  /** Press-release number: running number of the year / month / year, e.g. "12/2/2016". */
  @Matches(/^\d+\/\d{1,2}\/\d{4}$/, { message: 'number must look like 12/2/2016' })
  number: string;

  /** `opening` or `funding` (a follow-up once the funding of an opening announced alone is known). */
  @IsIn(AnnouncementKinds)
  kind: AnnouncementKind;

  /** Date the announcement is issued under, YYYY-MM-DD. */
  @IsCalendarDate()
  announcedOn: string;

  /** Headline of the announcement, in German. */
  @IsString()
  @Length(1, 300)
  title: string;

  /** `ce_id` of the centre-opened event the announcement is about. */
  @IsString()
  @Length(1, 200)
  openingEventId: string;

  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Official name of the host body, e.g. "Kreis Coesfeld". */
  @IsString()
  @Length(1, 200)
  hostBodyName: string;

  /** Statewide ordinal of the opening ("the 50th KI"). */
  @IsInt()
  @Min(1)
  ordinal: number;

  /** What the announcement says about the funding. */
  @IsIn(AnnouncedFundingStatuses)
  fundingStatus: AnnouncedFundingStatus;

  /** MAIS grant announced, in cents; only when fundingStatus is `allocated`. */
  @IsOptional()
  @IsWholeCents()
  grantCents?: string;

  /** MSW teacher posts announced, in hundredths of a post; only when fundingStatus is `allocated`. */
  @IsOptional()
  @IsInt()
  @Min(0)
  teacherPostsHundredths?: number;

  /** The ledger's reason code; only when fundingStatus is `rejected`. */
  @IsOptional()
  @IsIn(AllocationRejectionReasons)
  rejectionReason?: AllocationRejectionReason;
}

/** A subscriber received an announcement (webhook answered 2xx, or the mail server accepted the e-mail). */
export class AnnouncementDeliverySucceededV1 {
  /** Id of the delivery; also the `webhook-id` the subscriber saw. */
  @IsUUID()
  deliveryId: string;

  /** The announcement delivered. */
  @IsUUID()
  announcementId: string;

  /** The subscriber it was delivered to. */
  @IsUUID()
  subscriptionId: string;

  /** `webhook` or `email`. */
  @IsIn(DeliveryChannels)
  channel: DeliveryChannel;

  /** Host body the announcement is about (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Attempts it took, the successful one included. */
  @IsInt()
  @Min(1)
  attempts: number;
}

/** A delivery was given up: no attempt will be made unless an operator resends it. */
export class AnnouncementDeliveryFailedV1 {
  /** Id of the delivery. */
  @IsUUID()
  deliveryId: string;

  /** The announcement that was not delivered. */
  @IsUUID()
  announcementId: string;

  /** The subscriber it was meant for. */
  @IsUUID()
  subscriptionId: string;

  /** `webhook` or `email`. */
  @IsIn(DeliveryChannels)
  channel: DeliveryChannel;

  /** Host body the announcement is about (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Attempts made. */
  @IsInt()
  @Min(0)
  attempts: number;

  /** Stable reason code. */
  @IsIn(DeliveryFailureReasons)
  reason: DeliveryFailureReason;

  /** The last error, e.g. "HTTP 500" or the mail server's answer. */
  @IsString()
  @Length(1, 1000)
  lastError: string;
}

/** A subscriber failed too many times in a row and receives nothing until it is enabled again. */
export class SubscriberDisabledV1 {
  /** The disabled subscriber (partition key: it belongs to no host body). */
  @IsUUID()
  subscriptionId: string;

  /** `webhook` or `email`. */
  @IsIn(DeliveryChannels)
  channel: DeliveryChannel;

  /** Consecutive failed attempts that led to disabling it. */
  @IsInt()
  @Min(1)
  consecutiveFailures: number;

  /** The last error. */
  @IsString()
  @Length(1, 1000)
  lastError: string;
}
