import { PartitionPosition, planOffsetReset } from './offset-reset';

const positions: PartitionPosition[] = [
  { topic: 'ki.registry.centres.v1', partition: 0, committed: '40', low: '10', high: '50', atTimestamp: '25' },
  { topic: 'ki.registry.centres.v1', partition: 1, committed: '-1', low: '0', high: '7', atTimestamp: '-1' },
];

describe('planning an offset reset', () => {
  it('moves every partition to its first offset still on the broker for earliest', () => {
    expect(planOffsetReset({ to: 'earliest' }, positions).moves).toEqual([
      { topic: 'ki.registry.centres.v1', partition: 0, from: '40', to: '10' },
      { topic: 'ki.registry.centres.v1', partition: 1, from: '-1', to: '0' },
    ]);
  });

  it('moves every partition to its end for latest', () => {
    expect(planOffsetReset({ to: 'latest' }, positions).moves.map((m) => m.to)).toEqual(['50', '7']);
  });

  it('moves to the offset found for a time, and to the end of a partition with nothing that new', () => {
    expect(planOffsetReset({ to: 'timestamp', timestamp: '2026-11-30T08:00:00Z' }, positions).moves.map((m) => m.to)).toEqual(['25', '7']);
  });

  it('sets one offset where it lies inside a partition and names the partitions it lies outside of', () => {
    const plan = planOffsetReset({ to: 'offset', offset: '12' }, positions);

    expect(plan.moves).toEqual([{ topic: 'ki.registry.centres.v1', partition: 0, from: '40', to: '12' }]);
    expect(plan.problems).toEqual([{ topic: 'ki.registry.centres.v1', partition: 1, problem: 'offset 12 is outside 0..7' }]);
  });
});
