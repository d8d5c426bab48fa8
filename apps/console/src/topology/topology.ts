import { ConsumedEventTypes, findContract, TopicDeclarations, TopicName, Topics } from '@ki/contracts';

/** A box of the picture: a producing service (left), a topic (middle) or a consumer group (right). */
export interface TopologyNode {
  id: string;
  kind: 'producer' | 'topic' | 'consumer';
  label: string;
  /** A producer the contracts do not declare, seen in the flow (e.g. a test tool). */
  undeclared?: boolean;
}

/** The health of a consumer group on a topic: red in the picture when stalled or failing. */
export type EdgeState = 'ok' | 'idle' | 'behind' | 'stalled' | 'failing';

/** An arrow: a service writing to a topic, or a consumer group reading it. */
export interface TopologyEdge {
  from: string;
  to: string;
  kind: 'produces' | 'consumes';
  /** Messages per minute written (produces) or committed by the group (consumes). */
  ratePerMinute: number;
  /** Messages the group still has to read on the topic (consumes only). */
  lag?: number;
  state: EdgeState;
  /** Why it is red: stalled partitions or recent dead letters. */
  detail?: string;
}

/** What the console counted in the recent past: messages per topic and producer, dead letters per group and original topic. */
export interface RecentFlow {
  /** `topic|producer` → messages per minute. */
  produced: Map<string, number>;
  /** `group|topic` → dead letters written in the period. */
  deadLettered: Map<string, number>;
}

/** A group's position on one topic, summed over partitions. */
export interface GroupOnTopic {
  group: string;
  topic: string;
  lag: number;
  stalled: boolean;
  /** Offsets committed per minute over the last minute (or since the console's first sample, if younger). */
  ratePerMinute: number;
}

/** Messages of one topic from one producer in the period, as the index counts them. */
export interface FlowCount {
  topic: string;
  /** ce_source of the messages. */
  source?: string;
  deadLetter?: { consumerGroup: string; originalTopic: string };
  count: number;
}

/** The service that wrote a message: the group that dead-lettered it, or the name in its `ce_source` (/ki/registry → registry). */
export function producerOf(message: Omit<FlowCount, 'count'>): string {
  if (message.deadLetter) return message.deadLetter.consumerGroup;
  const source = message.source ?? 'unknown';
  if (source === '/ki/operations') return 'console';
  return source.startsWith('/ki/') ? source.slice(4) : source;
}

/** Messages per minute by topic and producer, and dead letters by group and original topic, from the counts of the last `periodMs`. */
export function recentFlow(counts: readonly FlowCount[], periodMs: number, topicPrefix: string): RecentFlow {
  const produced = new Map<string, number>();
  const deadLettered = new Map<string, number>();
  for (const counted of counts) {
    const key = `${counted.topic}|${producerOf(counted)}`;
    produced.set(key, (produced.get(key) ?? 0) + counted.count);
    if (counted.deadLetter) {
      const original = counted.deadLetter.originalTopic.startsWith(topicPrefix)
        ? counted.deadLetter.originalTopic.slice(topicPrefix.length)
        : counted.deadLetter.originalTopic;
      const failed = `${counted.deadLetter.consumerGroup}|${original}`;
      deadLettered.set(failed, (deadLettered.get(failed) ?? 0) + counted.count);
    }
  }
  const perMinute = 60_000 / periodMs;
  return { produced: new Map([...produced].map(([k, n]) => [k, Math.round(n * perMinute * 100) / 100])), deadLettered };
}

/** Topics each consumer group of the system reads (from the event types it handles). */
export function topicsOfGroups(): Map<string, TopicName[]> {
  return new Map(
    Object.entries(ConsumedEventTypes).map(([group, types]) => [
      group,
      [...new Set(types.map((t) => findContract(t)?.topic).filter((t): t is TopicName => t !== undefined))],
    ]),
  );
}

function stateOf(position: GroupOnTopic | undefined, failures: number): { state: EdgeState; detail?: string } {
  if (failures > 0) return { state: 'failing', detail: `${failures} dead letter(s) recently` };
  if (!position) return { state: 'idle' };
  if (position.stalled) return { state: 'stalled', detail: `lag ${position.lag} and no progress` };
  if (position.lag > 0) return { state: 'behind' };
  return { state: 'ok' };
}

/**
 * The picture of the flow: declared producers → topics → consumer groups (from libs/contracts),
 * plus producers seen that nobody declared, with rates from `recent` and lag from `positions`.
 */
export function buildTopology(recent: RecentFlow, positions: GroupOnTopic[]): { nodes: TopologyNode[]; edges: TopologyEdge[] } {
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  const add = (node: TopologyNode) => nodes.has(node.id) || nodes.set(node.id, node);
  const declaredServices = new Set<string>();
  const producerEdges = new Set<string>();
  for (const topic of Object.values(Topics)) {
    add({ id: `topic:${topic}`, kind: 'topic', label: topic });
    for (const principal of TopicDeclarations[topic].producers) {
      const service = principal.replace(/^ki-/, '');
      declaredServices.add(service);
      producerEdges.add(`${topic}|${service}`);
    }
  }
  // The index holds only the system's topics: a producer nobody declared shows up on one of them.
  for (const key of recent.produced.keys()) producerEdges.add(key);
  for (const key of [...producerEdges].sort()) {
    const [topic, service] = key.split('|');
    add({ id: `producer:${service}`, kind: 'producer', label: service, ...(declaredServices.has(service) ? {} : { undeclared: true }) });
    const rate = recent.produced.get(key) ?? 0;
    edges.push({
      from: `producer:${service}`,
      to: `topic:${topic}`,
      kind: 'produces',
      ratePerMinute: rate,
      state: rate > 0 ? 'ok' : 'idle',
    });
  }
  for (const [group, topics] of topicsOfGroups()) {
    add({ id: `consumer:${group}`, kind: 'consumer', label: group });
    for (const topic of topics) {
      const position = positions.find((p) => p.group === group && p.topic === topic);
      edges.push({
        from: `topic:${topic}`,
        to: `consumer:${group}`,
        kind: 'consumes',
        ratePerMinute: position?.ratePerMinute ?? 0,
        lag: position?.lag ?? 0,
        ...stateOf(position, recent.deadLettered.get(`${group}|${topic}`) ?? 0),
      });
    }
  }
  return { nodes: [...nodes.values()], edges };
}
