import { Topics, topicName } from '@ki/contracts';
import { Kafka } from 'kafkajs';

/** Partitions per topic: enough for two instances of a consumer group to share work. */
export const DEFAULT_PARTITIONS = 3;

/**
 * Creates the system's topics if they are missing (the broker does not auto-create them).
 * Idempotent; safe when several services start at once.
 */
export async function ensureTopics(kafka: Kafka, prefix = '', partitions = DEFAULT_PARTITIONS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(Topics)
      .map((base) => topicName(base, prefix))
      .filter((name) => !existing.has(name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
    });
  } catch (err) {
    // Another service may have created the same topic a moment earlier.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  } finally {
    await admin.disconnect();
  }
}
