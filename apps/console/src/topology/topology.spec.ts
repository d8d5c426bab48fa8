import { Topics } from '@ki/contracts';
import { buildTopology, FlowMessage, recentFlow } from './topology';

const now = new Date('2026-11-30T08:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

describe('the topology picture', () => {
  const messages: FlowMessage[] = [
    { topic: Topics.centres, receivedAt: ago(10), source: '/ki/registry' },
    { topic: Topics.centres, receivedAt: ago(20), source: '/ki/registry' },
    { topic: Topics.centres, receivedAt: ago(90), source: '/ki/registry' },
    { topic: Topics.centres, receivedAt: ago(5), source: '/ki/test-tool' },
    {
      topic: Topics.deadLetters,
      receivedAt: ago(3),
      source: '/ki/test-tool',
      deadLetter: { consumerGroup: 'funding-ledger', originalTopic: `p.${Topics.centres}` },
    },
  ];

  it('counts messages per minute by topic and producer over the period, a dead letter as written by the group that gave up', () => {
    const recent = recentFlow(messages, now, 60_000, 'p.');

    expect(recent.produced.get(`${Topics.centres}|registry`)).toBe(2);
    expect(recent.produced.get(`${Topics.centres}|test-tool`)).toBe(1);
    expect(recent.produced.get(`${Topics.deadLetters}|funding-ledger`)).toBe(1);
    expect(recent.deadLettered.get(`funding-ledger|${Topics.centres}`)).toBe(1);
  });

  it('draws every declared producer, topic and consumer group, and a producer nobody declared as such', () => {
    const { nodes } = buildTopology(recentFlow(messages, now, 60_000, 'p.'), []);

    expect(nodes.filter((n) => n.kind === 'topic')).toHaveLength(Object.values(Topics).length);
    expect(nodes.filter((n) => n.kind === 'consumer').map((n) => n.label)).toEqual(['registry', 'funding-ledger', 'notifications']);
    expect(nodes.find((n) => n.id === 'producer:test-tool')).toMatchObject({ undeclared: true });
    expect(nodes.find((n) => n.id === 'producer:registry')?.undeclared).toBeUndefined();
  });

  it('puts the rate on the producer arrow and lag and commit rate on the consumer arrow', () => {
    const { edges } = buildTopology(recentFlow(messages, now, 60_000, 'p.'), [
      { group: 'notifications', topic: Topics.funding, lag: 7, stalled: false, ratePerMinute: 12 },
    ]);

    expect(edges.find((e) => e.from === 'producer:registry' && e.to === `topic:${Topics.centres}`)).toMatchObject({
      ratePerMinute: 2,
      state: 'ok',
    });
    expect(edges.find((e) => e.from === `topic:${Topics.funding}` && e.to === 'consumer:notifications')).toMatchObject({
      kind: 'consumes',
      lag: 7,
      ratePerMinute: 12,
      state: 'behind',
    });
  });

  it('marks a stalled group and a group that dead-lettered recently as stalled and failing', () => {
    const { edges } = buildTopology(recentFlow(messages, now, 60_000, 'p.'), [
      { group: 'notifications', topic: Topics.funding, lag: 3, stalled: true, ratePerMinute: 0 },
    ]);
    const consumes = (group: string, topic: string) => edges.find((e) => e.to === `consumer:${group}` && e.from === `topic:${topic}`);

    expect(consumes('notifications', Topics.funding)).toMatchObject({ state: 'stalled', detail: 'lag 3 and no progress' });
    expect(consumes('funding-ledger', Topics.centres)).toMatchObject({ state: 'failing', detail: '1 dead letter(s) recently' });
  });
});
