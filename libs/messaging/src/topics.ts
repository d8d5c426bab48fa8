import { minInsyncReplicasFor, replicationFactorFor, TopicDeclarations, TopicName, topicName, Topics } from '@ki/contracts';
import { Admin, ConfigResourceTypes, ITopicConfig, Kafka } from 'kafkajs';

/** What {@link ensureTopics} found: topics it created, and existing topics whose settings differ from the declaration. */
export interface TopicCheck {
  created: string[];
  /** One sentence per difference, e.g. `ki.dead-letters.v1: retention.ms is 604800000, declared -1`. */
  mismatches: string[];
}

/** The settings a topic is created with on a cluster of `brokers` nodes, from its declaration in libs/contracts. */
export function declaredTopicConfig(base: TopicName, prefix: string, brokers: number): ITopicConfig {
  const declaration = TopicDeclarations[base];
  const replicationFactor = replicationFactorFor(brokers);
  return {
    topic: topicName(base, prefix),
    numPartitions: declaration.partitions,
    replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(declaration.retentionMs) },
      { name: 'min.insync.replicas', value: String(minInsyncReplicasFor(replicationFactor)) },
      { name: 'cleanup.policy', value: 'delete' },
    ],
  };
}

/**
 * Creates the system's missing topics with their declared settings (the broker auto-creates
 * none) and compares existing ones with the declaration: a difference is reported, never
 * silently used or changed. Idempotent; safe when several services start at once.
 */
export async function ensureTopics(kafka: Kafka, prefix = ''): Promise<TopicCheck> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const brokers = (await admin.describeCluster()).brokers.length;
    const wanted = Object.values(Topics).map((base) => declaredTopicConfig(base, prefix, brokers));
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: missing });
      } catch (err) {
        // Another service may have created the same topic a moment earlier.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      }
    }
    const created = missing.map((t) => t.topic);
    const mismatches = await compareWithDeclaration(
      admin,
      wanted.filter((t) => !created.includes(t.topic)),
    );
    return { created, mismatches };
  } finally {
    await admin.disconnect();
  }
}

async function compareWithDeclaration(admin: Admin, topics: ITopicConfig[]): Promise<string[]> {
  if (topics.length === 0) return [];
  const mismatches: string[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.topic,
      configNames: (t.configEntries ?? []).map((e) => e.name),
    })),
  });
  for (const wanted of topics) {
    const found = metadata.topics.find((t) => t.name === wanted.topic);
    const partitions = found?.partitions.length ?? 0;
    const replicas = Math.min(...(found?.partitions.map((p) => p.replicas.length) ?? [0]));
    if (partitions < (wanted.numPartitions ?? 0))
      mismatches.push(`${wanted.topic}: ${partitions} partitions, declared ${wanted.numPartitions}`);
    if (replicas < (wanted.replicationFactor ?? 1))
      mismatches.push(`${wanted.topic}: replication factor ${replicas}, declared ${wanted.replicationFactor}`);
    const entries = configs.resources.find((r) => r.resourceName === wanted.topic)?.configEntries ?? [];
    // The in-sync minimum follows the topic's own replicas, not the brokers answering right now (one may be down).
    const declared = (wanted.configEntries ?? []).map((e) =>
      e.name === 'min.insync.replicas'
        ? { ...e, value: String(minInsyncReplicasFor(Math.max(replicas, wanted.replicationFactor ?? 1))) }
        : e,
    );
    for (const { name, value } of declared) {
      const actual = entries.find((e) => e.configName === name)?.configValue;
      if (actual !== value) mismatches.push(`${wanted.topic}: ${name} is ${actual ?? 'unset'}, declared ${value}`);
    }
  }
  return mismatches;
}

/**
 * {@link ensureTopics} at a service's start: logs each difference from the declaration once (an
 * operator decides whether to alter the topic) and returns them for /health's details.
 */
export async function ensureDeclaredTopics(kafka: Kafka, prefix: string, logger: { warn(message: string): void }): Promise<string[]> {
  const { mismatches } = await ensureTopics(kafka, prefix);
  for (const mismatch of mismatches) {
    logger.warn(`topic settings differ from the declaration in libs/contracts (kafka-access.ts): ${mismatch}; the topic is used as it is`);
  }
  return mismatches;
}
