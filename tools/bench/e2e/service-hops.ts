// Where an opening's time goes inside the services, from their own latency histograms on
// GET /metrics, scraped before and after a step: each relay's time from the writing transaction
// to Kafka's acknowledgement, and each consumer group's time from an event's Kafka timestamp to
// its handling and to its commit. The load's own figures (opening -> ...) are taken from the
// topics and the webhook receiver; these split them up.
import { histogramDelta, HistogramSeries, histogramQuantile, readHistograms } from '@ki/testing';

/** In the order an event meets them in a service: consumed, handled, its consequences relayed. */
const HISTOGRAMS = [
  ['ki_consumer_wait_seconds', 'consumer: sent -> handling starts'],
  ['ki_consumer_done_seconds', 'consumer: sent -> committed'],
  ['ki_outbox_delay_seconds', 'relay: transaction starts -> acknowledged'],
] as const;

export interface ServiceEndpoint {
  name: string;
  url: string;
}

/** Each service's /metrics text, by service name. */
export type MetricsScrape = Map<string, string>;

export async function scrapeMetrics(services: ServiceEndpoint[]): Promise<MetricsScrape> {
  const texts = await Promise.all(
    services.map(async (s) => {
      const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`${s.name} /metrics answered ${res.status}`);
      return [s.name, await res.text()] as const;
    }),
  );
  return new Map(texts);
}

/** One line per service, histogram and label set that gained observations between the scrapes. */
export function hopLines(before: MetricsScrape, after: MetricsScrape): string[] {
  const ms = (seconds: number) => (Number.isNaN(seconds) ? 'n/a' : `${Math.round(seconds * 1000)} ms`).padStart(8);
  const lines: string[] = [];
  for (const [service, text] of after) {
    for (const [name, meaning] of HISTOGRAMS) {
      const earlier = readHistograms(before.get(service) ?? '', name);
      for (const series of readHistograms(text, name)) {
        const gained = histogramDelta(
          series,
          earlier.find((s) => sameLabels(s, series)),
        );
        if (gained.count === 0) continue;
        const topic = series.labels.topic.replace(/^.*?(ki\.)/, '$1');
        lines.push(
          `${service.padEnd(15)} ${topic.padEnd(34)} ${meaning.padEnd(42)} n=${String(gained.count).padEnd(6)} mean ${ms(gained.sum / gained.count)}  p50 ~${ms(histogramQuantile(gained, 0.5))}  p99 ~${ms(histogramQuantile(gained, 0.99))}`,
        );
      }
    }
  }
  return lines;
}

const sameLabels = (a: HistogramSeries, b: HistogramSeries) => JSON.stringify(a.labels) === JSON.stringify(b.labels);
