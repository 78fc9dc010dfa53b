/**
 * A Prometheus text endpoint as a source, in two dialects:
 *
 * - the embedded broker's (`kafka_<MSK metric name>`, e.g. `kafka_CpuUser{broker="1"}`): gauges
 *   as they are; for a metric that also has a `_total` counter (BytesInPerSec and the like) the
 *   counter is used, so the collector's rate follows its own interval rather than the broker's
 *   60-second window;
 * - Amazon MSK's open monitoring JMX exporter (port 11001): the BrokerTopicMetrics counters
 *   (`kafka_server_BrokerTopicMetrics_Count{name="BytesInPerSec",topic=...}`) become BytesInPerSec,
 *   BytesOutPerSec and MessagesInPerSec, labelled with the endpoint's host as the broker.
 *
 * Everything else on the endpoint is left out.
 */
import { parsePrometheusText, type PrometheusFamily } from '../prometheus-text.ts';
import { ReadingBuilder, type Reading } from '../series.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const OURS = /^kafka_([A-Z][A-Za-z]*)(_total|_sum|_count)?$/;
const MSK_TOPIC_METRICS = 'kafka_server_BrokerTopicMetrics_Count';
const MSK_COUNTERS = new Set(['BytesInPerSec', 'BytesOutPerSec', 'MessagesInPerSec']);

export class PrometheusSource {
  readonly name: string;
  private readonly host: string;

  constructor(private readonly url: string) {
    this.host = new URL(url).host;
    this.name = `prometheus ${this.host}`;
  }

  async read(): Promise<Reading> {
    const res = await fetch(this.url, { headers: { accept: 'text/plain; version=0.0.4' }, signal: AbortSignal.timeout(4000) });
    if (!res.ok) throw new Error(`${this.url} answered HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_BODY_BYTES) throw new Error(`${this.url} would send ${declared} bytes, more than ${MAX_BODY_BYTES}`);
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES) throw new Error(`${this.url} sent more than ${MAX_BODY_BYTES} bytes`);
    return toReading(parsePrometheusText(text), this.host);
  }
}

/** The dashboard's series from parsed families; `host` labels MSK's per-broker series. */
export function toReading(families: readonly PrometheusFamily[], host: string): Reading {
  const out = new ReadingBuilder();
  const samples = families.flatMap((f) => f.samples);
  const counted = new Set(samples.map((s) => OURS.exec(s.name)).filter((m) => m?.[2] === '_total').map((m) => m?.[1]));
  for (const s of samples) {
    const ours = OURS.exec(s.name);
    if (ours !== null) {
      const [, metric = '', suffix] = ours;
      if (suffix === '_total') out.counter(metric, s.labels, s.value);
      else if (suffix === undefined && !counted.has(metric)) out.gauge(metric, s.labels, s.value);
      continue;
    }
    const name = s.labels['name'];
    if (s.name === MSK_TOPIC_METRICS && name !== undefined && MSK_COUNTERS.has(name)) {
      const topic = s.labels['topic'];
      out.counter(name, topic === undefined ? { broker: host } : { broker: host, topic }, s.value);
    }
  }
  return out.build();
}
