import { Command } from '../command';
import { printJson, printLines, table } from '../format';

// The parts of the console's API answer that `ki` prints.
interface ClusterView {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
  topics: {
    name: string;
    partitions: { partition: number; leader: number; replicas: number[]; inSync: number[] }[];
    retentionMs: string | null;
    underReplicatedPartitions: number;
    messages: number;
  }[];
  underReplicatedPartitions: number;
  size: string;
}

const retention = (ms: string | null) => (ms === '-1' ? 'forever' : ms === null ? '?' : `${Math.round(Number(ms) / 86_400_000)} d`);

export const cluster: Command = {
  words: ['cluster'],
  summary: 'brokers, controller and topics with partitions, replicas, in-sync replicas, retention and messages held',
  synopsis: '[--json]',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(context) {
    const view = await context.console.request<ClusterView>('GET', '/api/cluster');
    if (context.config.json) return (printJson(view), 0);
    printLines(
      `cluster ${view.clusterId}, controller ${view.controller ?? '-'}, ${view.underReplicatedPartitions} under-replicated partition(s)\n` +
        table(
          ['broker', 'host'],
          view.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]),
        ),
    );
    printLines(
      table(
        ['topic', 'partitions', 'replicas', 'in sync', 'under-replicated', 'retention', 'messages'],
        view.topics.map((t) => [
          t.name,
          t.partitions.length,
          Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
          Math.min(...t.partitions.map((p) => p.inSync.length)),
          t.underReplicatedPartitions,
          retention(t.retentionMs),
          t.messages,
        ]),
      ),
    );
    printLines(view.size);
    return 0;
  },
};
