/**
 * Every Kafka topic of ki-network.
 *
 * WARNING: a topic name is part of the public contract. Renaming one needs a migration plan
 * (dual publishing, consumers on both names, then removal); never rename in place.
 *
 * Partition keys: all events about one centre carry the centre's host-body key (the 5-digit
 * territory key, or 05334002 for Stadt Aachen), so Kafka keeps them in order per centre.
 */
export const Topics = {
  /** Lifecycle events of KI centres, published by the registry. Key: host-body key. */
  centres: 'ki.registry.centres.v1',
  /** Commands other internal services send to the registry. Key: host-body key or centre id. */
  registryCommands: 'ki.registry.commands.v1',
  /** Whether each registry command was accepted or rejected. Key: as the command. */
  registryCommandResults: 'ki.registry.command-results.v1',
  /** Funding decisions of the ledger. Key: host-body key of the funded centre. */
  funding: 'ki.ledger.funding.v1',
  /** Announcements of the notifications service and the fate of their deliveries. Key: host-body key, or subscription id. */
  notifications: 'ki.notifications.v1',
  /** Messages no consumer could process, with the reason in their headers. Key: original key. */
  deadLetters: 'ki.dead-letters.v1',
  /** Audit trail of operators' actions (dead-letter replays, offset resets). Key: the event id, batch id or group id. */
  operations: 'ki.operations.v1',
} as const;

/** A base topic name as declared in {@link Topics}. */
export type TopicName = (typeof Topics)[keyof typeof Topics];

/**
 * The physical topic name. A prefix isolates environments sharing one broker
 * (each test run uses its own); production uses none.
 */
export function topicName(base: TopicName, prefix = ''): string {
  return `${prefix}${base}`;
}
