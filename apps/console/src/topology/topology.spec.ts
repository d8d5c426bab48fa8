import { Topics } from '@ki/contracts';
import { buildTopology, FlowCount, recentFlow } from './topology';

describe('the topology picture', () => {
  const counts: FlowCount[] = [
    { topic: Topics.centres, source: '/ki/registry', count: 2 },
    { topic: Topics.centres, source: '/ki/test-tool', count: 1 },
    {
      topic: Topics.deadLetters,
      source: '/ki/test-tool',
      deadLetter: { consumerGroup: 'funding-ledger', originalTopic: `p.${Topics.centres}` },
      count: 1,
    },
    { topic: Topics.operations, source: '/ki/operations', count: 3 },
  ];

  it('counts messages per minute by topic and producer, a dead letter as written by the group that gave up', () => {
    const recent = recentFlow(counts, 60_000, 'p.');

    expect(recent.produced.get(`${Topics.centres}|registry`)).toBe(2);
    expect(recent.produced.get(`${Topics.centres}|test-tool`)).toBe(1);
    expect(recent.produced.get(`${Topics.deadLetters}|funding-ledger`)).toBe(1);
    expect(recent.deadLettered.get(`funding-ledger|${Topics.centres}`)).toBe(1);
    expect(recent.produced.get(`${Topics.operations}|console`)).toBe(3);
  });

  it('turns the counts of a longer period into messages per minute', () => {
    const recent = recentFlow(counts, 5 * 60_000, 'p.');

    expect(recent.produced.get(`${Topics.centres}|registry`)).toBe(0.4);
    expect(recent.deadLettered.get(`funding-ledger|${Topics.centres}`)).toBe(1);
  });

  it('draws every declared producer, topic and consumer group, and a producer nobody declared as such', () => {
    const { nodes } = buildTopology(recentFlow(counts, 60_000, 'p.'), []);

    expect(nodes.filter((n) => n.kind === 'topic')).toHaveLength(Object.values(Topics).length);
    expect(nodes.filter((n) => n.kind === 'consumer').map((n) => n.label)).toEqual(['registry', 'funding-ledger', 'notifications']);
    expect(nodes.find((n) => n.id === 'producer:test-tool')).toMatchObject({ undeclared: true });
    expect(nodes.find((n) => n.id === 'producer:registry')?.undeclared).toBeUndefined();
  });

  it('puts the rate on the producer arrow and lag and commit rate on the consumer arrow', () => {
    const { edges } = buildTopology(recentFlow(counts, 60_000, 'p.'), [
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
    const { edges } = buildTopology(recentFlow(counts, 60_000, 'p.'), [
      { group: 'notifications', topic: Topics.funding, lag: 3, stalled: true, ratePerMinute: 0 },
    ]);
    const consumes = (group: string, topic: string) => edges.find((e) => e.to === `consumer:${group}` && e.from === `topic:${topic}`);

    expect(consumes('notifications', Topics.funding)).toMatchObject({ state: 'stalled', detail: 'lag 3 and no progress' });
    expect(consumes('funding-ledger', Topics.centres)).toMatchObject({ state: 'failing', detail: '1 dead letter(s) recently' });
  });
});
