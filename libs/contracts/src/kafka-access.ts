import { TopicName, topicName, Topics } from './topics';

/**
 * Who may do what on the broker: the one declaration the cluster set-up (infra/kafka), the
 * deployment (docker-compose.yml), the tests and the README read. A principal is a SCRAM user;
 * everything not allowed here is denied (the broker runs a deny-by-default authorizer).
 */
export const Principals = {
  /** The registry service: the only writer of centre events. */
  registry: 'ki-registry',
  /** The funding-ledger service. */
  fundingLedger: 'ki-funding-ledger',
  /** The notifications service. */
  notifications: 'ki-notifications',
  /** The operator console: reads every topic; writes replays and its audit events only. */
  console: 'ki-console',
  /** Other internal services and `ki emit`: may send commands and read their results, nothing else. */
  emitter: 'ki-emitter',
} as const;

/** A service or emitter principal as declared in {@link Principals}. */
export type Principal = (typeof Principals)[keyof typeof Principals];

/** The administrator: a super user that sets up topics, users and ACLs; no service runs as it. */
export const AdminPrincipal = 'ki-admin';

const DAY_MS = 24 * 60 * 60 * 1000;
/** `retention.ms` of a topic that is never deleted by time. */
export const KEEP_FOREVER = -1;

/** How a topic is set up on the broker and who reads and writes it. */
export interface TopicDeclaration {
  partitions: number;
  /** `retention.ms`; {@link KEEP_FOREVER} for history that must never expire. */
  retentionMs: number;
  /** Principals allowed to write (produce). */
  producers: readonly Principal[];
  /** Principals allowed to read (consume, fetch offsets). */
  consumers: readonly Principal[];
  /** Why these settings, for the README and operators. */
  why: string;
}

const { registry, fundingLedger, notifications, console: operatorConsole, emitter } = Principals;

/**
 * Every topic with its settings and access. The console writes to the topics whose events it can
 * replay from the dead-letter topic (a replay goes back to the original topic with the same event
 * id); its API allows that only to operators with the replay role and validates each replay.
 */
export const TopicDeclarations: Record<TopicName, TopicDeclaration> = {
  [Topics.centres]: {
    partitions: 3,
    retentionMs: KEEP_FOREVER,
    producers: [registry, operatorConsole],
    consumers: [fundingLedger, notifications, operatorConsole],
    why: 'the history of every centre; services rebuild from it',
  },
  [Topics.registryCommands]: {
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    producers: [emitter, operatorConsole],
    consumers: [registry, operatorConsole],
    why: 'requests; what they changed is kept in the centre events',
  },
  [Topics.registryCommandResults]: {
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    producers: [registry],
    consumers: [emitter, operatorConsole],
    why: 'answers to commands, read by their senders soon after',
  },
  [Topics.funding]: {
    partitions: 3,
    retentionMs: KEEP_FOREVER,
    producers: [fundingLedger, operatorConsole],
    consumers: [notifications, operatorConsole],
    why: 'the history of funding decisions',
  },
  [Topics.notifications]: {
    partitions: 3,
    retentionMs: KEEP_FOREVER,
    producers: [notifications],
    consumers: [operatorConsole],
    why: 'the history of announcements and deliveries',
  },
  [Topics.deadLetters]: {
    partitions: 3,
    retentionMs: KEEP_FOREVER,
    producers: [registry, fundingLedger, notifications],
    consumers: [operatorConsole],
    why: 'failed messages wait here until an operator replays or explains them',
  },
  [Topics.operations]: {
    partitions: 3,
    retentionMs: KEEP_FOREVER,
    producers: [operatorConsole],
    consumers: [operatorConsole],
    why: "the audit trail of operators' actions",
  },
};

/** A consumer group name a principal may use: one exact id, or every id starting with a prefix. */
export interface GroupGrant {
  name: string;
  pattern: 'literal' | 'prefixed';
}

/**
 * The consumer groups of each principal. Service groups are the ids of `ConsumerGroups`; readers
 * that make a fresh group per instance or use (the console's) get a prefix of their own.
 */
export const GroupGrants: Record<Principal, readonly GroupGrant[]> = {
  [registry]: [{ name: 'registry', pattern: 'literal' }],
  [fundingLedger]: [{ name: 'funding-ledger', pattern: 'literal' }],
  [notifications]: [{ name: 'notifications', pattern: 'literal' }],
  [operatorConsole]: [
    // A group of its own per instance for the index reader (console-index-…) and per read of one message (console-reader-…).
    { name: 'console-', pattern: 'prefixed' },
    { name: 'dead-letter-reader-', pattern: 'prefixed' },
  ],
  [emitter]: [{ name: 'emitter-', pattern: 'prefixed' }],
};

/** One ACL binding, in the broker's terms, independent of any client library. */
export interface AclBinding {
  principal: `User:${string}`;
  resourceType: 'TOPIC' | 'GROUP';
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED';
  operation: 'READ' | 'WRITE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS';
}

/**
 * The ACLs that carry out the declarations above: every principal may see every system topic and
 * its settings (DESCRIBE, DESCRIBE_CONFIGS: services check the declared settings at start-up),
 * writers get WRITE, readers READ, each principal READ on its groups, and the console DESCRIBE on
 * every group (lag). `topicPrefix` and `groupPrefix` name the physical resources of an environment
 * that shares a cluster (tests); production uses none.
 */
export function aclBindings(options: { topicPrefix?: string; groupPrefix?: string } = {}): AclBinding[] {
  const { topicPrefix = '', groupPrefix = '' } = options;
  const bindings: AclBinding[] = [];
  const everyone = Object.values(Principals);
  for (const [base, declaration] of Object.entries(TopicDeclarations) as [TopicName, TopicDeclaration][]) {
    const topic = { resourceType: 'TOPIC', resourceName: topicName(base, topicPrefix), patternType: 'LITERAL' } as const;
    for (const p of everyone) {
      for (const operation of ['DESCRIBE', 'DESCRIBE_CONFIGS'] as const) bindings.push({ principal: `User:${p}`, ...topic, operation });
    }
    for (const p of declaration.producers) bindings.push({ principal: `User:${p}`, ...topic, operation: 'WRITE' });
    for (const p of declaration.consumers) bindings.push({ principal: `User:${p}`, ...topic, operation: 'READ' });
  }
  for (const [principal, grants] of Object.entries(GroupGrants) as [Principal, readonly GroupGrant[]][]) {
    for (const grant of grants) {
      bindings.push({
        principal: `User:${principal}`,
        resourceType: 'GROUP',
        resourceName: `${groupPrefix}${grant.name}`,
        patternType: grant.pattern === 'literal' ? 'LITERAL' : 'PREFIXED',
        operation: 'READ',
      });
    }
  }
  bindings.push({
    principal: `User:${operatorConsole}`,
    resourceType: 'GROUP',
    resourceName: '*',
    patternType: 'LITERAL',
    operation: 'DESCRIBE',
  });
  return bindings;
}

/** Replication factor of the system's topics on a cluster of `brokers` nodes. */
export function replicationFactorFor(brokers: number): number {
  return Math.max(1, Math.min(3, brokers));
}

/** `min.insync.replicas` for a replication factor: a write is acknowledged by two copies when there are three. */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}
