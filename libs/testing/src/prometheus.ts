/** One series of a Prometheus histogram as scraped: its count, sum and cumulative buckets in ascending order. */
export interface HistogramSeries {
  labels: Record<string, string>;
  count: number;
  sum: number;
  /** [upper bound, observations at or below it]; the last bound is Infinity. */
  buckets: [number, number][];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const labelsOf = (text: string | undefined) =>
  Object.fromEntries([...(text ?? '').matchAll(LABEL)].map(([, name, value]) => [name, value.replace(/\\(.)/g, '$1')]));

/** The series of histogram `name` in a text exposition (`GET /metrics`), one per label set without `le`. */
export function readHistograms(exposition: string, name: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  for (const line of exposition.split('\n')) {
    const match = LINE.exec(line);
    if (!match || !match[1].startsWith(name)) continue;
    const suffix = match[1].slice(name.length);
    if (suffix !== '_bucket' && suffix !== '_sum' && suffix !== '_count') continue;
    const { le, ...labels } = labelsOf(match[2]);
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = series.get(key) ?? { labels, count: 0, sum: 0, buckets: [] };
    series.set(key, entry);
    const value = Number(match[3]);
    if (suffix === '_bucket') entry.buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    else if (suffix === '_sum') entry.sum = value;
    else entry.count = value;
  }
  for (const entry of series.values()) entry.buckets.sort(([a], [b]) => a - b);
  return [...series.values()];
}

/** The series of histogram `name` whose labels include `labels`; an empty one when it has no observations yet. */
export function histogramSeries(exposition: string, name: string, labels: Record<string, string>): HistogramSeries {
  const matches = (series: HistogramSeries) => Object.entries(labels).every(([key, value]) => series.labels[key] === value);
  return readHistograms(exposition, name).find(matches) ?? { labels, count: 0, sum: 0, buckets: [] };
}

/** Observations at or below `bound`, which must be one of the series' bucket bounds. */
export function observedWithin(series: HistogramSeries, bound: number): number | undefined {
  return series.buckets.find(([le]) => le === bound)?.[1];
}

/** What a series gained between two scrapes of the same process. */
export function histogramDelta(after: HistogramSeries, before?: HistogramSeries): HistogramSeries {
  if (!before) return after;
  const earlier = new Map(before.buckets);
  return {
    labels: after.labels,
    count: after.count - before.count,
    sum: after.sum - before.sum,
    buckets: after.buckets.map(([le, n]) => [le, n - (earlier.get(le) ?? 0)]),
  };
}

/**
 * The q-quantile (0 < q < 1) estimated from the buckets the way Prometheus' `histogram_quantile`
 * does: linear within the bucket it falls in; the highest finite bound when it falls above it;
 * NaN without observations.
 */
export function histogramQuantile(series: HistogramSeries, q: number): number {
  if (series.count === 0) return NaN;
  const rank = q * series.count;
  let lowerBound = 0;
  let below = 0;
  for (const [le, cumulative] of series.buckets) {
    if (cumulative >= rank) {
      if (le === Infinity) return lowerBound;
      const inBucket = cumulative - below;
      return inBucket === 0 ? le : lowerBound + ((le - lowerBound) * (rank - below)) / inBucket;
    }
    lowerBound = le;
    below = cumulative;
  }
  return lowerBound;
}
