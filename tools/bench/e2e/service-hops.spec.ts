import { Histogram, Registry } from 'prom-client';
import { hopLines } from './service-hops';

describe('splitting a step hop by hop from the services’ histograms', () => {
  it('prints what each series gained between the scrapes, in flow order, and leaves out series that gained nothing', async () => {
    const registry = new Registry();
    const histogram = (name: string) =>
      new Histogram({ name, help: name, labelNames: ['group', 'topic'], buckets: [0.01, 0.1, 1], registers: [registry] });
    const wait = histogram('ki_consumer_wait_seconds');
    histogram('ki_consumer_done_seconds');
    wait.observe({ group: 'notifications', topic: 'bench-1.ki.ledger.funding.v1' }, 0.05);
    wait.observe({ group: 'notifications', topic: 'bench-1.ki.registry.centres.v1' }, 0.05);
    const before = new Map([['notifications', await registry.metrics()]]);
    wait.observe({ group: 'notifications', topic: 'bench-1.ki.ledger.funding.v1' }, 0.02);
    wait.observe({ group: 'notifications', topic: 'bench-1.ki.ledger.funding.v1' }, 0.04);

    const lines = hopLines(before, new Map([['notifications', await registry.metrics()]]));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^notifications +ki\.ledger\.funding\.v1 +consumer: sent -> handling starts +n=2 +mean +30 ms +p50 ~ +55 ms/);
  });
});
