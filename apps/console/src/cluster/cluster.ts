import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { ConfigResourceTypes, Kafka } from 'kafkajs';
import type { ConsoleConfig } from '../config';

/** One partition's leader and replicas; under-replicated when fewer replicas are in sync than assigned. */
export interface PartitionReplicas {
  partition: number;
  leader: number;
  replicas: number[];
  inSync: number[];
  offline: number[];
  underReplicated: boolean;
}

/** A topic of the cluster with its settings and partitions. */
export interface ClusterTopic {
  name: string;
  partitions: PartitionReplicas[];
  /** `retention.ms`; -1 keeps messages forever. */
  retentionMs: string | null;
  /** `retention.bytes` per partition; -1 means no limit. */
  retentionBytes: string | null;
  cleanupPolicy: string | null;
  /** Messages on the topic now (end minus start offset, summed over partitions). */
  messages: number;
  underReplicatedPartitions: number;
}

export interface ClusterView {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
  topics: ClusterTopic[];
  underReplicatedPartitions: number;
  /** Why bytes on disk are not shown. */
  size: string;
}

/** Brokers, controller and topics (with replicas, in-sync replicas and retention), as the cluster reports them. */
@Injectable()
export class ClusterHealth {
  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Topics whose name starts with the environment's topic prefix (every topic in production). */
  async describe(): Promise<ClusterView> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const names = (await admin.listTopics()).filter((t) => t.startsWith(this.config.kafka.topicPrefix)).sort();
      const { topics } = names.length ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
      const { resources } = names.length
        ? await admin.describeConfigs({
            includeSynonyms: false,
            resources: names.map((name) => ({
              type: ConfigResourceTypes.TOPIC,
              name,
              configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'],
            })),
          })
        : { resources: [] };
      const result: ClusterTopic[] = [];
      for (const topic of topics) {
        const entries = resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
        const setting = (name: string) => entries.find((e) => e.configName === name)?.configValue ?? null;
        const offsets = await admin.fetchTopicOffsets(topic.name);
        const partitions = topic.partitions
          .map((p) => ({
            partition: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            inSync: p.isr,
            offline: p.offlineReplicas ?? [],
            underReplicated: p.isr.length < p.replicas.length,
          }))
          .sort((a, b) => a.partition - b.partition);
        result.push({
          name: topic.name,
          partitions,
          retentionMs: setting('retention.ms'),
          retentionBytes: setting('retention.bytes'),
          cleanupPolicy: setting('cleanup.policy'),
          messages: offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0),
          underReplicatedPartitions: partitions.filter((p) => p.underReplicated).length,
        });
      }
      result.sort((a, b) => a.name.localeCompare(b.name));
      return {
        clusterId: cluster.clusterId,
        controller: cluster.controller,
        brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })).sort((a, b) => a.nodeId - b.nodeId),
        topics: result,
        underReplicatedPartitions: result.reduce((sum, t) => sum + t.underReplicatedPartitions, 0),
        size: 'bytes on disk are not shown: they need the DescribeLogDirs request, which kafkajs does not implement; `messages` counts what each topic holds',
      };
    } finally {
      await admin.disconnect();
    }
  }
}
