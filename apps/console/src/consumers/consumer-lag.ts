import { Inject, Injectable } from '@nestjs/common';
import { ConsumedEventTypes, ConsumerGroup, findContract, topicName } from '@ki/contracts';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { Kafka } from 'kafkajs';
import type { ConsoleConfig } from '../config';

/** How far one consumer group is behind on one partition. */
export interface PartitionLag {
  group: ConsumerGroup;
  topic: string;
  partition: number;
  /** Next offset the group will read; -1 when it never committed. */
  committed: string;
  /** Offset of the next message to be written. */
  high: string;
  lag: number;
  /** Lag above zero and the committed offset has not moved for longer than the threshold. */
  stalled: boolean;
  /** Since when the committed offset has been where it is (as far as this console has watched). */
  unchangedSince: string;
}

/** Consumer lag per group and partition: committed offsets (fetchOffsets) against the end of each partition (fetchTopicOffsets). */
@Injectable()
export class ConsumerLag {
  private readonly lastMove = new Map<string, { committed: string; since: number }>();

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async snapshot(now = new Date()): Promise<PartitionLag[]> {
    const { topicPrefix: prefix, groupIdPrefix } = this.config.kafka;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const result: PartitionLag[] = [];
      for (const [group, types] of Object.entries(ConsumedEventTypes) as [ConsumerGroup, readonly string[]][]) {
        const topics = [...new Set(types.map((type) => findContract(type)?.topic).filter((t) => t !== undefined))].map((t) =>
          topicName(t, prefix),
        );
        const committed = await admin.fetchOffsets({ groupId: `${groupIdPrefix}${group}`, topics });
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const end of ends) {
            const at = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            const start = Number(at) < 0 ? Number(end.low) : Number(at);
            const lag = Math.max(0, Number(end.high) - start);
            result.push(
              this.withStall(
                { group, topic: topic.slice(prefix.length), partition: end.partition, committed: at, high: end.high, lag },
                now,
              ),
            );
          }
        }
      }
      return result;
    } finally {
      await admin.disconnect();
    }
  }

  private withStall(lag: Omit<PartitionLag, 'stalled' | 'unchangedSince'>, now: Date): PartitionLag {
    const position = `${lag.group}/${lag.topic}/${lag.partition}`;
    const last = this.lastMove.get(position);
    const since = last && last.committed === lag.committed ? last.since : now.getTime();
    this.lastMove.set(position, { committed: lag.committed, since });
    return {
      ...lag,
      stalled: lag.lag > 0 && now.getTime() - since > this.config.stalledAfterMs,
      unchangedSince: new Date(since).toISOString(),
    };
  }
}
