/**
 * The dashboard's widgets, in the order of the solution's CloudWatch dashboard, then consumer
 * lag, then one panel per local function and per delivery stream. A widget shows every series
 * whose metric is one of `metrics`; per-function and per-stream panels keep the series of their
 * own function or stream. Shared by the page and the tests (no DOM here).
 */

export interface WidgetSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly metrics: readonly string[];
  /** A dashed horizontal line, e.g. 100 for disk used. */
  readonly limit?: number;
  /** Only series with these label names (for per-broker vs per-topic series of one metric). */
  readonly labels?: readonly string[];
}

export interface SectionSpec {
  readonly id: string;
  readonly title: string;
  readonly widgets: readonly WidgetSpec[];
}

export const CLUSTER_SECTION: SectionSpec = {
  id: 'cluster',
  title: 'Cluster health',
  widgets: [
    { id: 'cpu', title: 'CPU (user + system) by broker', unit: '%', metrics: ['CpuUser', 'CpuSystem'] },
    { id: 'partitions', title: 'Partition count by broker', unit: '', metrics: ['PartitionCount'] },
    { id: 'topics', title: 'Topic count', unit: '', metrics: ['GlobalTopicCount'] },
    { id: 'offline', title: 'Offline partitions', unit: '', metrics: ['OfflinePartitionsCount'] },
    { id: 'disk', title: 'Disk used by broker (data logs)', unit: '%', metrics: ['KafkaDataLogsDiskUsed'], limit: 100 },
    { id: 'messages-in', title: 'Messages in by broker', unit: '/s', metrics: ['MessagesInPerSec'], labels: ['broker'] },
    { id: 'under-replicated', title: 'Under-replicated partitions', unit: '', metrics: ['UnderReplicatedPartitions'] },
    { id: 'bytes-out', title: 'Bytes out by broker', unit: 'B/s', metrics: ['BytesOutPerSec'], labels: ['broker'] },
    { id: 'bytes-in', title: 'Bytes in by broker', unit: 'B/s', metrics: ['BytesInPerSec'], labels: ['broker'] },
    { id: 'network', title: 'Network: client connections by broker', unit: '', metrics: ['ConnectionCount'] },
  ],
};

export const LAG_SECTION: SectionSpec = {
  id: 'lag',
  title: 'Consumer lag by group and topic',
  widgets: [
    { id: 'max-offset-lag', title: 'MaxOffsetLag', unit: '', metrics: ['MaxOffsetLag'] },
    { id: 'sum-offset-lag', title: 'SumOffsetLag', unit: '', metrics: ['SumOffsetLag'] },
    { id: 'time-lag', title: 'EstimatedMaxTimeLag', unit: 's', metrics: ['EstimatedMaxTimeLag'] },
  ],
};

export const FUNCTION_WIDGETS: readonly WidgetSpec[] = [
  { id: 'invocations', title: 'Invocations', unit: '/s', metrics: ['Invocations'] },
  { id: 'errors', title: 'Errors', unit: '/s', metrics: ['Errors', 'Throttles'] },
  { id: 'duration', title: 'Duration (mean)', unit: 'ms', metrics: ['Duration'] },
  { id: 'offset-lag', title: 'OffsetLag', unit: '', metrics: ['OffsetLag'] },
];

export const STREAM_WIDGETS: readonly WidgetSpec[] = [
  { id: 'incoming', title: 'IncomingRecords', unit: '/s', metrics: ['IncomingRecords', 'ThrottledRecords'] },
  { id: 'delivered', title: 'DeliveryToS3.Records', unit: '/s', metrics: ['DeliveryToS3.Records'] },
  { id: 'success', title: 'DeliveryToS3.Success', unit: '', metrics: ['DeliveryToS3.Success'], limit: 1 },
  { id: 'freshness', title: 'DeliveryToS3.DataFreshness', unit: 's', metrics: ['DeliveryToS3.DataFreshness'] },
];

export interface ParsedSeries {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** `Metric{a="x",b="y"}` -> metric and labels (the collector's series ids). */
export function parseSeriesId(id: string): ParsedSeries {
  const brace = id.indexOf('{');
  if (brace < 0) return { metric: id, labels: {} };
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of id.slice(brace + 1, -1).matchAll(pattern)) labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, '$1');
  return { metric: id.slice(0, brace), labels };
}

/** Whether a series belongs on a widget (and, for a panel, to its function or stream). */
export function seriesMatches(widget: WidgetSpec, series: ParsedSeries, owner?: { label: string; value: string }): boolean {
  if (!widget.metrics.includes(series.metric)) return false;
  const names = Object.keys(series.labels);
  if (widget.labels !== undefined && !(names.length === widget.labels.length && widget.labels.every((l) => names.includes(l)))) return false;
  return owner === undefined || series.labels[owner.label] === owner.value;
}

/** A short legend label: the metric when the widget shows several, then the label values. */
export function seriesLabel(widget: WidgetSpec, series: ParsedSeries, owner?: string): string {
  const values = Object.entries(series.labels)
    .filter(([k]) => k !== owner)
    .map(([k, v]) => (k === 'broker' ? `broker ${v}` : v));
  const parts = widget.metrics.length > 1 ? [series.metric, ...values] : values;
  return parts.length === 0 ? series.metric : parts.join(' · ');
}
