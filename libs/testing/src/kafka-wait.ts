import { AssignerProtocol, Kafka } from 'kafkajs';
import { eventually } from './eventually';

/**
 * Resolves once consumer group `groupId` has committed offsets up to the end of every partition of
 * each topic. "Exactly once" checks count after it: a duplicate would be in the database by then.
 */
export async function waitForGroupToCatchUp(kafka: Kafka, groupId: string, topics: string | string[], timeout = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of [topics].flat())
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

/** Resolves once consumer group `groupId` is stable with `members` members that each have partitions of `topic`. */
export async function waitForGroupMembers(kafka: Kafka, groupId: string, topic: string, members: number, timeout = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(
      async () => {
        const {
          groups: [group],
        } = await admin.describeGroups([groupId]);
        const assigned = group.members.filter(
          (m) => (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]?.length ?? 0) > 0,
        );
        if (group.state !== 'Stable' || assigned.length !== members)
          throw new Error(`${groupId} is ${group.state} with ${assigned.length} of ${members} members assigned to ${topic}`);
      },
      { name: `${members} members of ${groupId} on ${topic}`, timeout, interval: 200 },
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

/** Deletes the topics whose names start with `prefix` (a run's own topics). */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}
