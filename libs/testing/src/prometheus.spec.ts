import { Histogram, Registry } from 'prom-client';
import { histogramDelta, histogramQuantile, histogramSeries, observedWithin, readHistograms } from './prometheus';

describe('reading histograms from a Prometheus text exposition', () => {
  const scrape = async (observe: (h: Histogram<'group' | 'topic'>) => void) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'probe' });
    const histogram = new Histogram({
      name: 'ki_probe_seconds',
      help: 'a probe',
      labelNames: ['group', 'topic'],
      buckets: [0.01, 0.1, 1],
      registers: [registry],
    });
    observe(histogram);
    return { registry, histogram, text: () => registry.metrics() };
  };

  it('reads each label set with its count, sum and cumulative buckets, and ignores other metrics', async () => {
    const { text } = await scrape((h) => {
      h.observe({ group: 'a', topic: 'ki.x"y' }, 0.005);
      h.observe({ group: 'a', topic: 'ki.x"y' }, 0.5);
      h.observe({ group: 'b', topic: 't' }, 2);
    });

    const series = readHistograms(`${await text()}\nki_probe_seconds_total 7\n`, 'ki_probe_seconds');

    expect(series).toHaveLength(2);
    expect(series[0]).toEqual({
      labels: { service: 'probe', group: 'a', topic: 'ki.x"y' },
      count: 2,
      sum: 0.505,
      buckets: [
        [0.01, 1],
        [0.1, 1],
        [1, 2],
        [Infinity, 2],
      ],
    });
    expect(series[1]).toMatchObject({
      labels: { group: 'b' },
      count: 1,
      buckets: [
        [0.01, 0],
        [0.1, 0],
        [1, 0],
        [Infinity, 1],
      ],
    });
  });

  it('finds one series by some of its labels, or an empty one, and counts what it observed within a bound', async () => {
    const { text } = await scrape((h) => {
      h.observe({ group: 'a', topic: 't' }, 0.05);
      h.observe({ group: 'b', topic: 't' }, 0.5);
    });
    const exposition = await text();

    const b = histogramSeries(exposition, 'ki_probe_seconds', { group: 'b' });

    expect(b).toMatchObject({ labels: { group: 'b', topic: 't' }, count: 1 });
    expect([observedWithin(b, 0.1), observedWithin(b, 1), observedWithin(b, 0.2)]).toEqual([0, 1, undefined]);
    expect(histogramSeries(exposition, 'ki_probe_seconds', { group: 'c' })).toEqual({
      labels: { group: 'c' },
      count: 0,
      sum: 0,
      buckets: [],
    });
  });

  it('takes what a series gained between two scrapes', async () => {
    const { histogram, text } = await scrape((h) => h.observe({ group: 'a', topic: 't' }, 0.05));
    const [before] = readHistograms(await text(), 'ki_probe_seconds');
    histogram.observe({ group: 'a', topic: 't' }, 0.5);
    histogram.observe({ group: 'a', topic: 't' }, 0.7);

    const delta = histogramDelta(readHistograms(await text(), 'ki_probe_seconds')[0], before);

    expect(delta.count).toBe(2);
    expect(delta.sum).toBeCloseTo(1.2);
    expect(delta.buckets).toEqual([
      [0.01, 0],
      [0.1, 0],
      [1, 2],
      [Infinity, 2],
    ]);
  });

  it('estimates quantiles linearly within the bucket, like histogram_quantile', () => {
    const series = {
      labels: {},
      count: 100,
      sum: 0,
      buckets: [
        [0.01, 20],
        [0.1, 60],
        [1, 100],
        [Infinity, 100],
      ] as [number, number][],
    };

    expect(histogramQuantile(series, 0.1)).toBeCloseTo(0.005);
    expect(histogramQuantile(series, 0.5)).toBeCloseTo(0.01 + 0.09 * 0.75);
    expect(histogramQuantile(series, 0.99)).toBeCloseTo(0.1 + 0.9 * (39 / 40));
    expect(histogramQuantile({ ...series, buckets: [...series.buckets.slice(0, 3), [Infinity, 200]], count: 200 }, 0.99)).toBe(1);
    expect(histogramQuantile({ ...series, count: 0 }, 0.5)).toBeNaN();
  });
});
