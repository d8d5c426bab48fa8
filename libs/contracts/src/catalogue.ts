import { ConsumerGroupOffsetsResetV1 } from './operations/consumer-group-offsets-reset.v1';
import { DeadLetterReplayedV1 } from './operations/dead-letter-replayed.v1';
import { DeadLettersReplayedV1 } from './operations/dead-letters-replayed.v1';
import { FundingAllocatedV1, FundingAllocationRejectedV1, FundingReversedV1 } from './ledger/funding-allocated.v1';
import {
  CloseCentreV1,
  OpenCentreV1,
  RegisterCentreV1,
  RegistryCommandAcceptedV1,
  RegistryCommandRejectedV1,
} from './registry/commands/centre-commands.v1';
import { CentreClosedV1 } from './registry/centre-closed.v1';
import { CentreOpenedV1 } from './registry/centre-opened.v1';
import { CentreRegisteredV1 } from './registry/centre-registered.v1';
import {
  AnnouncementDeliveryFailedV1,
  AnnouncementDeliverySucceededV1,
  AnnouncementPublishedV1,
  SubscriberDisabledV1,
} from './notifications/announcements.v1';
import { Topics, TopicName } from './topics';

/** Describes one versioned event type: where it travels and how it is keyed. */
export interface EventContract<P extends object = object> {
  /** The `ce_type` value; the trailing `.vN` is the contract version. */
  type: string;
  /** One-line meaning, used in generated docs. */
  summary: string;
  /** Base topic the event is published to. */
  topic: TopicName;
  /** Payload class, validated with class-validator. */
  payload: new () => P;
  /** Partition key and `ce_subject` derived from the payload. */
  key: (payload: P) => string;
}

function contract<P extends object>(c: EventContract<P>): EventContract<P> {
  return c;
}

/** Every event type of the system. Adding a type is compatible; changing a released one is not. */
export const EventTypes = {
  CentreRegisteredV1: contract({
    type: 'ki.registry.centre-registered.v1',
    summary: 'A KI centre was registered for a host body; it is not open yet.',
    topic: Topics.centres,
    payload: CentreRegisteredV1,
    key: (p: CentreRegisteredV1) => p.hostBodyKey,
  }),
  CentreOpenedV1: contract({
    type: 'ki.registry.centre-opened.v1',
    summary: 'A KI centre opened; it gets the next statewide ordinal.',
    topic: Topics.centres,
    payload: CentreOpenedV1,
    key: (p: CentreOpenedV1) => p.hostBodyKey,
  }),
  CentreClosedV1: contract({
    type: 'ki.registry.centre-closed.v1',
    summary: 'A KI centre closed; no further funding is allocated to it.',
    topic: Topics.centres,
    payload: CentreClosedV1,
    key: (p: CentreClosedV1) => p.hostBodyKey,
  }),
  RegisterCentreV1: contract({
    type: 'ki.registry.register-centre.v1',
    summary: 'Command: register a centre for a host body.',
    topic: Topics.registryCommands,
    payload: RegisterCentreV1,
    key: (p: RegisterCentreV1) => p.hostBodyKey,
  }),
  OpenCentreV1: contract({
    type: 'ki.registry.open-centre.v1',
    summary: 'Command: open a registered centre.',
    topic: Topics.registryCommands,
    payload: OpenCentreV1,
    key: (p: OpenCentreV1) => p.centreId,
  }),
  CloseCentreV1: contract({
    type: 'ki.registry.close-centre.v1',
    summary: 'Command: close an open centre.',
    topic: Topics.registryCommands,
    payload: CloseCentreV1,
    key: (p: CloseCentreV1) => p.centreId,
  }),
  RegistryCommandAcceptedV1: contract({
    type: 'ki.registry.command-accepted.v1',
    summary: 'A registry command was carried out.',
    topic: Topics.registryCommandResults,
    payload: RegistryCommandAcceptedV1,
    key: (p: RegistryCommandAcceptedV1) => p.commandId,
  }),
  RegistryCommandRejectedV1: contract({
    type: 'ki.registry.command-rejected.v1',
    summary: 'A registry command broke a rule and changed nothing.',
    topic: Topics.registryCommandResults,
    payload: RegistryCommandRejectedV1,
    key: (p: RegistryCommandRejectedV1) => p.commandId,
  }),
  FundingAllocatedV1: contract({
    type: 'ki.ledger.funding-allocated.v1',
    summary: "The ledger booked a centre's funding (MAIS grant, MSW teacher posts, KOMM-AN NRW) for one fiscal year.",
    topic: Topics.funding,
    payload: FundingAllocatedV1,
    key: (p: FundingAllocatedV1) => p.hostBodyKey,
  }),
  FundingAllocationRejectedV1: contract({
    type: 'ki.ledger.funding-allocation-rejected.v1',
    summary: "The ledger refused a centre's funding for a fiscal year (budget exhausted, centre closed, no programme); nothing was booked.",
    topic: Topics.funding,
    payload: FundingAllocationRejectedV1,
    key: (p: FundingAllocationRejectedV1) => p.hostBodyKey,
  }),
  FundingReversedV1: contract({
    type: 'ki.ledger.funding-reversed.v1',
    summary: "A closed centre's unused grant and its teacher posts went back to the programme budgets.",
    topic: Topics.funding,
    payload: FundingReversedV1,
    key: (p: FundingReversedV1) => p.hostBodyKey,
  }),
  DeadLetterReplayedV1: contract({
    type: 'ki.operations.dead-letter-replayed.v1',
    summary: 'An operator sent a dead-lettered message back to its original topic.',
    topic: Topics.operations,
    payload: DeadLetterReplayedV1,
    key: (p: DeadLetterReplayedV1) => p.eventId,
  }),
  DeadLettersReplayedV1: contract({
    type: 'ki.operations.dead-letters-replayed.v1',
    summary: 'An operator sent a batch of dead letters, chosen by a filter, back to their topics.',
    topic: Topics.operations,
    payload: DeadLettersReplayedV1,
    key: (p: DeadLettersReplayedV1) => p.batchId,
  }),
  ConsumerGroupOffsetsResetV1: contract({
    type: 'ki.operations.consumer-group-offsets-reset.v1',
    summary: 'An operator moved the committed offsets of an empty consumer group.',
    topic: Topics.operations,
    payload: ConsumerGroupOffsetsResetV1,
    key: (p: ConsumerGroupOffsetsResetV1) => p.groupId,
  }),
  AnnouncementPublishedV1: contract({
    type: 'ki.notifications.announcement-published.v1',
    summary: 'A numbered announcement (press release) of an opening or of its funding was published.',
    topic: Topics.notifications,
    payload: AnnouncementPublishedV1,
    key: (p: AnnouncementPublishedV1) => p.hostBodyKey,
  }),
  AnnouncementDeliverySucceededV1: contract({
    type: 'ki.notifications.delivery-succeeded.v1',
    summary: 'A subscriber received an announcement by webhook or e-mail.',
    topic: Topics.notifications,
    payload: AnnouncementDeliverySucceededV1,
    key: (p: AnnouncementDeliverySucceededV1) => p.hostBodyKey,
  }),
  AnnouncementDeliveryFailedV1: contract({
    type: 'ki.notifications.delivery-failed.v1',
    summary: 'A delivery of an announcement was given up after its attempts, or because its subscriber was disabled.',
    topic: Topics.notifications,
    payload: AnnouncementDeliveryFailedV1,
    key: (p: AnnouncementDeliveryFailedV1) => p.hostBodyKey,
  }),
  SubscriberDisabledV1: contract({
    type: 'ki.notifications.subscriber-disabled.v1',
    summary: 'A subscriber failed too many times in a row and receives nothing until it is enabled again.',
    topic: Topics.notifications,
    payload: SubscriberDisabledV1,
    key: (p: SubscriberDisabledV1) => p.subscriptionId,
  }),
} as const;

const byType = new Map<string, EventContract>(Object.values(EventTypes).map((c) => [c.type, c as EventContract]));

/** The contract of a `ce_type`, or undefined for an unknown type or version. */
export function findContract(type: string): EventContract | undefined {
  return byType.get(type);
}

export function allContracts(): EventContract[] {
  return [...byType.values()];
}
