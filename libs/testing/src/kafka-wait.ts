import { Kafka } from 'kafkajs';
import { eventually } from './eventually';

/** Resolves once consumer group `groupId` has committed offsets up to the end of every partition of `topic`. */
export async function waitForGroupToCatchUp(kafka: Kafka, groupId: string, topic: string, timeout = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(
      async () => {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        for (const end of ends) {
          const done = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          const behind = BigInt(end.high) - (done === '-1' ? 0n : BigInt(done));
          if (behind > 0n) throw new Error(`${groupId} is ${behind} behind on ${topic}[${end.partition}]`);
        }
      },
      { name: `${groupId} caught up on ${topic}`, timeout, interval: 200 },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic, summed over partitions. */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed.partitions.reduce((sum, p) => sum + (p.offset === '-1' ? 0n : BigInt(p.offset)), 0n);
  } finally {
    await admin.disconnect();
  }
}
