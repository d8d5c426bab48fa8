import { Histogram, Registry } from 'prom-client';
import { MessageHistogram } from './message-histogram';

const BUCKETS = [0.005, 0.05, 1, 60];
// Below the first bound, on a bound, between bounds, above the last, and a value Prometheus cannot carry.
const OBSERVED = [0, 0.005, 0.0051, 0.7, 1, 61, 3600];

function registries() {
  const ours = new Registry();
  const reference = new Registry();
  for (const registry of [ours, reference]) registry.setDefaultLabels({ service: 'test' });
  const histogram = new MessageHistogram('ki_test_seconds', 'Test "help"', ['group', 'topic'], BUCKETS, ours);
  const promClient = new Histogram({
    name: 'ki_test_seconds',
    help: 'Test "help"',
    labelNames: ['group', 'topic'],
    buckets: BUCKETS,
    registers: [reference],
  });
  return { ours, reference, histogram, promClient };
}

describe('MessageHistogram', () => {
  it('exposes exactly what prom-client exposes for the same observations, several series and escaped labels included', async () => {
    const { ours, reference, histogram, promClient } = registries();
    const series = [
      { group: 'ki-ledger', topic: 'ki.registry.centre-events' },
      { group: 'ki-notifications', topic: 'a "quoted" \\ topic' },
    ];
    series.forEach((labels, n) => {
      const bound = histogram.labels(labels);
      for (const seconds of OBSERVED.slice(n)) {
        bound.observe(seconds);
        promClient.observe(labels, seconds);
      }
    });

    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('ki_test_seconds_bucket{le="1",service="test",group="ki-ledger",topic="ki.registry.centre-events"} 5');
    expect(text).toContain('ki_test_seconds_count{service="test",group="ki-ledger",topic="ki.registry.centre-events"} 7');
    // Exemplars are prom-client's alone (null or undefined on each of its values); nothing here records them.
    const withoutExemplars = (json: object) => JSON.parse(JSON.stringify(json, (key, value) => (key === 'exemplar' ? undefined : value)));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars(await reference.getMetricsAsJSON()));
  });

  it('finds a label set once: a second lookup returns the same series', () => {
    const { histogram } = registries();
    const first = histogram.labels({ group: 'g', topic: 't' });
    first.observe(0.1);
    expect(histogram.labels({ topic: 't', group: 'g' })).toBe(first);
    expect(histogram.labels({ group: 'g', topic: 'u' })).not.toBe(first);
  });

  it('counts no value that is not finite: a missing timestamp is not a measurement', async () => {
    const { ours, histogram } = registries();
    const bound = histogram.labels({ group: 'g', topic: 't' });
    bound.observe(Number.NaN);
    bound.observe(Number.POSITIVE_INFINITY);
    bound.observe(0.01);
    expect(bound.count).toBe(1);
    expect(bound.sum).toBe(0.01);
    expect(await ours.metrics()).toContain('ki_test_seconds_bucket{le="+Inf",service="test",group="g",topic="t"} 1');
  });

  it('resets every series in place, so a series kept by a consumer still counts afterwards', async () => {
    const { ours, histogram } = registries();
    const kept = histogram.labels({ group: 'g', topic: 't' });
    kept.observe(2);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('ki_test_seconds_count{service="test",group="g",topic="t"} 0');
    kept.observe(0.02);
    const text = await ours.metrics();
    expect(text).toContain('ki_test_seconds_bucket{le="0.05",service="test",group="g",topic="t"} 1');
    expect(text).toContain('ki_test_seconds_sum{service="test",group="g",topic="t"} 0.02');
  });
});
