import { EventTypes } from './catalogue';

/**
 * Consumer groups of the system. A group id is part of the contract with the broker: renaming one
 * makes its service read every topic again from the start.
 */
export const ConsumerGroups = {
  /** The registry: carries out commands other services send it. */
  registry: 'registry',
  /** The funding ledger: allocates and reverses funding when centres open and close. */
  fundingLedger: 'funding-ledger',
  /** Notifications: announces openings and their funding. */
  notifications: 'notifications',
} as const;

/** A consumer group id as declared in {@link ConsumerGroups}. */
export type ConsumerGroup = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];

/** Which event types each consumer group must handle (its services' `@EventPattern`s). */
export const ConsumedEventTypes: Record<ConsumerGroup, readonly string[]> = {
  [ConsumerGroups.registry]: [EventTypes.RegisterCentreV1.type, EventTypes.OpenCentreV1.type, EventTypes.CloseCentreV1.type],
  [ConsumerGroups.fundingLedger]: [EventTypes.CentreOpenedV1.type, EventTypes.CentreClosedV1.type],
  [ConsumerGroups.notifications]: [
    EventTypes.CentreOpenedV1.type,
    EventTypes.FundingAllocatedV1.type,
    EventTypes.FundingAllocationRejectedV1.type,
  ],
};

/** The consumer groups that must handle events of `type`; none for an unknown type. */
export function consumerGroupsOf(type: string): ConsumerGroup[] {
  return (Object.keys(ConsumedEventTypes) as ConsumerGroup[]).filter((group) => ConsumedEventTypes[group].includes(type));
}

/** Payload fields holding personal data, per event type: tools showing payloads mask them. */
export const SensitiveFields: Readonly<Record<string, readonly string[]>> = {
  [EventTypes.RegisterCentreV1.type]: ['contactEmail'],
};
