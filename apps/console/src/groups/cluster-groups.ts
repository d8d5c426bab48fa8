import { Inject, Injectable } from '@nestjs/common';
import { ConsumerGroupOffsetsResetV1, ConsumerGroups, EventTypes, topicName, Topics } from '@ki/contracts';
import { encodeEvent } from '@ki/messaging';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { Admin, AssignerProtocol, Kafka } from 'kafkajs';
import type { ConsoleConfig } from '../config';
import { OffsetMove, PartitionPosition, planOffsetReset, ResetProblem, ResetTarget } from './offset-reset';

/** One member of a consumer group: which client, from where, with which partitions. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** Partitions assigned to it, per topic. */
  assignment: Record<string, number[]>;
}

/** A group's committed offset and lag on one partition. */
export interface GroupPartition {
  topic: string;
  partition: number;
  /** -1 when it never committed. */
  committed: string;
  high: string;
  lag: number;
}

/** A consumer group on the cluster, as the broker describes it. */
export interface ClusterGroup {
  groupId: string;
  /** One of this system's consumer groups (or the console's own). */
  ours: boolean;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  protocolType: string;
  members: GroupMember[];
  partitions: GroupPartition[];
  totalLag: number;
}

/** A reset the broker refuses: the group has members, or does not exist. */
export class GroupNotEmpty extends Error {
  readonly code = 'CONSOLE.GROUP_NOT_EMPTY';
}
export class GroupNotFound extends Error {
  readonly code = 'CONSOLE.GROUP_NOT_FOUND';
}
/** The cluster refuses this console's principal the offsets of the group (a secured cluster grants READ on its own groups only). */
export class ResetNotAuthorised extends Error {
  readonly code = 'CONSOLE.RESET_NOT_AUTHORISED';
}
/** The target cannot be applied (an offset outside a partition, no topic to reset). */
export class ResetNotPossible extends Error {
  readonly code = 'CONSOLE.RESET_NOT_POSSIBLE';
  constructor(
    message: string,
    readonly problems: ResetProblem[] = [],
  ) {
    super(message);
  }
}

/** What a reset did (or, dry, would do). */
export interface ResetResult {
  groupId: string;
  dryRun: boolean;
  target: ResetTarget;
  moves: OffsetMove[];
}

/** Every consumer group on the cluster, ours and others', and moving the offsets of an empty one. */
@Injectable()
export class ClusterGroups {
  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Groups whose id starts with the environment's group prefix (every group in production), by id. */
  async list(): Promise<ClusterGroup[]> {
    return this.withAdmin(async (admin) => {
      const { groups } = await admin.listGroups();
      const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(this.config.kafka.groupIdPrefix));
      if (ids.length === 0) return [];
      const described = await admin.describeGroups(ids);
      const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
      const result: ClusterGroup[] = [];
      for (const group of described.groups) {
        const partitions = await this.partitions(admin, group.groupId, ends);
        result.push({
          groupId: group.groupId,
          ours: this.isOurs(group.groupId),
          state: group.state,
          protocolType: group.protocolType,
          members: group.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            assignment:
              (group.protocolType === 'consumer' && AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment) || {},
          })),
          partitions,
          totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
        });
      }
      return result.sort((a, b) => a.groupId.localeCompare(b.groupId));
    });
  }

  /**
   * Moves the committed offsets of `groupId` on `topics` (every topic it committed on when none is
   * named) to `target`. Only an Empty group: a member would commit over the new offsets. A dry run
   * returns the moves and changes nothing; a reset is recorded on the operations topic.
   */
  async reset(
    groupId: string,
    request: { target: ResetTarget; topics?: string[]; dryRun: boolean; reason: string; resetBy: string },
  ): Promise<ResetResult> {
    return this.withAdmin(async (admin) => {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (!group || group.state === 'Dead') throw new GroupNotFound(`there is no consumer group ${groupId}`);
      if (group.state !== 'Empty')
        throw new GroupNotEmpty(
          `consumer group ${groupId} is ${group.state} with ${group.members.length} member(s): stop its consumers first`,
        );
      const committed = await admin.fetchOffsets({ groupId });
      const topics = request.topics?.length ? request.topics : committed.map((c) => c.topic);
      if (topics.length === 0) throw new ResetNotPossible(`consumer group ${groupId} has no committed offsets: name the topic to reset`);
      const positions: PartitionPosition[] = [];
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic).catch((err: Error) => {
          throw new ResetNotPossible(`topic ${topic} cannot be read: ${err.message}`);
        });
        const atTime =
          request.target.to === 'timestamp' ? await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(request.target.timestamp)) : [];
        const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends)
          positions.push({
            topic,
            partition: end.partition,
            committed: mine.find((p) => p.partition === end.partition)?.offset ?? '-1',
            low: end.low,
            high: end.high,
            atTimestamp: atTime.find((p) => p.partition === end.partition)?.offset,
          });
      }
      const { moves, problems } = planOffsetReset(request.target, positions);
      if (problems.length) throw new ResetNotPossible(`the target does not fit ${problems.length} partition(s)`, problems);
      const result: ResetResult = { groupId, dryRun: request.dryRun, target: request.target, moves };
      if (request.dryRun) return result;
      for (const topic of topics)
        await admin
          .setOffsets({
            groupId,
            topic,
            partitions: moves.filter((m) => m.topic === topic).map((m) => ({ partition: m.partition, offset: m.to })),
          })
          .catch((err: Error & { type?: string }) => {
            if (err.type !== 'GROUP_AUTHORIZATION_FAILED') throw err;
            throw new ResetNotAuthorised(
              `the cluster does not let this console commit offsets of consumer group ${groupId}: grant its principal READ on the group for the reset`,
            );
          });
      await this.audit(groupId, request, moves);
      return result;
    });
  }

  private async audit(groupId: string, request: { target: ResetTarget; reason: string; resetBy: string }, moves: OffsetMove[]) {
    const { target } = request;
    const record = Object.assign(new ConsumerGroupOffsetsResetV1(), {
      groupId,
      to: target.to,
      value: target.to === 'timestamp' ? target.timestamp : target.to === 'offset' ? target.offset : undefined,
      partitions: moves,
      resetBy: request.resetBy,
      reason: request.reason,
      resetAt: new Date().toISOString(),
    });
    const { message } = encodeEvent(EventTypes.ConsumerGroupOffsetsResetV1, record, '/ki/operations');
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: topicName(Topics.operations, this.config.kafka.topicPrefix), acks: -1, messages: [message] });
    } finally {
      await producer.disconnect();
    }
  }

  private async partitions(
    admin: Admin,
    groupId: string,
    ends: Map<string, Promise<{ partition: number; high: string; low: string }[]>>,
  ): Promise<GroupPartition[]> {
    const result: GroupPartition[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      if (!ends.has(topic))
        ends.set(
          topic,
          admin.fetchTopicOffsets(topic).catch(() => []),
        );
      for (const end of await (ends.get(topic) ?? [])) {
        const committed = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(committed) < 0 ? Number(end.low) : Number(committed);
        result.push({ topic, partition: end.partition, committed, high: end.high, lag: Math.max(0, Number(end.high) - from) });
      }
    }
    return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  private isOurs(groupId: string): boolean {
    const prefix = this.config.kafka.groupIdPrefix;
    return [...Object.values(ConsumerGroups), 'console'].some((name) => groupId === `${prefix}${name}`);
  }

  private async withAdmin<T>(run: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await run(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
