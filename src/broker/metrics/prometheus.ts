/**
 * Renders a metrics snapshot in the Prometheus text exposition format, version 0.0.4, the
 * way Amazon MSK's open monitoring serves its brokers' metrics.
 *
 * Naming scheme: every series is `kafka_<MSK CloudWatch metric name>`, optionally followed by
 * one suffix for the raw counters behind it, so each maps to its CloudWatch metric by eye:
 *
 *   kafka_<Name>          gauge: the value CloudWatch shows. A PerSec value is the rate over
 *                         the last 60 s (see rate-window.ts); a Mean is the mean over it.
 *   kafka_<Name>_total    counter behind a PerSec rate (Kafka's meter Count), for a scraper's rate()
 *   kafka_<Name>_sum      counter: the sum behind a Mean (ms or bytes) ...
 *   kafka_<Name>_count    counter: ... and how many events it sums; Δsum/Δcount is the mean
 *
 * Labels stand for CloudWatch's dimensions: `broker` (Broker ID), `topic` (Topic),
 * `consumer_group` (Consumer Group), `partition` (Partition). Cluster-wide metrics (dimension
 * Cluster Name only) carry no label. For example:
 *
 *   kafka_BytesInPerSec{broker="1"}  kafka_BytesInPerSec{broker="1",topic="orders"}
 *   kafka_BytesInPerSec_total{broker="1",topic="orders"}  kafka_GlobalTopicCount
 *   kafka_MaxOffsetLag{consumer_group="g",topic="orders"}
 *   kafka_OffsetLag{consumer_group="g",topic="orders",partition="0"}
 *
 * Every family gets its HELP and TYPE lines even when it has no series yet (no groups).
 */
import type { BrokerMetricsSnapshot } from './snapshot.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = readonly (readonly [string, string])[];
type Series = readonly (readonly [Labels, number])[];
type MetricType = 'gauge' | 'counter';

export function renderPrometheus(s: BrokerMetricsSnapshot): string {
  const out: string[] = [];
  const family = (name: string, type: MetricType, help: string, series: Series): void => {
    out.push(`# HELP kafka_${name} ${escapeHelp(help)}`, `# TYPE kafka_${name} ${type}`);
    for (const [labels, value] of series) out.push(`kafka_${name}${formatLabels(labels)} ${formatValue(value)}`);
  };
  const broker: Labels = [['broker', String(s.brokerId)]];
  const perTopic = (pick: (t: BrokerMetricsSnapshot['topics'][number]) => number): Series => s.topics.map((t) => [[...broker, ['topic', t.topic]], pick(t)]);
  const window = 'over the last minute';

  family('BytesInPerSec', 'gauge', `Record batch bytes appended to partition logs per second, ${window}.`, [[broker, s.broker.BytesInPerSec], ...perTopic((t) => t.BytesInPerSec)]);
  family('BytesInPerSec_total', 'counter', 'Record batch bytes appended to partition logs since the broker started (the count behind BytesInPerSec).', [[broker, s.totals.bytesIn], ...perTopic((t) => t.totals.bytesIn)]);
  family('BytesOutPerSec', 'gauge', `Record batch bytes sent in Fetch responses per second, ${window}.`, [[broker, s.broker.BytesOutPerSec], ...perTopic((t) => t.BytesOutPerSec)]);
  family('BytesOutPerSec_total', 'counter', 'Record batch bytes sent in Fetch responses since the broker started (the count behind BytesOutPerSec).', [[broker, s.totals.bytesOut], ...perTopic((t) => t.totals.bytesOut)]);
  family('MessagesInPerSec', 'gauge', `Records appended per second, ${window}.`, [[broker, s.broker.MessagesInPerSec], ...perTopic((t) => t.MessagesInPerSec)]);
  family('MessagesInPerSec_total', 'counter', 'Records appended since the broker started (the count behind MessagesInPerSec).', [[broker, s.totals.messagesIn], ...perTopic((t) => t.totals.messagesIn)]);
  family('ConnectionCount', 'gauge', 'Open client connections.', [[broker, s.broker.ConnectionCount]]);
  family('PartitionCount', 'gauge', 'Partitions on this broker.', [[broker, s.broker.PartitionCount]]);
  family('LeaderCount', 'gauge', 'Partitions this broker leads.', [[broker, s.broker.LeaderCount]]);
  family('ProduceTotalTimeMsMean', 'gauge', `Mean time to handle a Produce request in ms, ${window} (0 without requests).`, [[broker, s.broker.ProduceTotalTimeMsMean]]);
  family('ProduceTotalTimeMsMean_sum', 'counter', 'Milliseconds spent handling Produce requests since the broker started.', [[broker, s.totals.produceTimeMs]]);
  family('ProduceTotalTimeMsMean_count', 'counter', 'Produce requests handled since the broker started.', [[broker, s.totals.produceRequests]]);
  family('RequestBytesMean', 'gauge', `Mean request size in bytes (header and body), ${window} (0 without requests).`, [[broker, s.broker.RequestBytesMean]]);
  family('RequestBytesMean_sum', 'counter', 'Bytes of requests (header and body) received since the broker started.', [[broker, s.totals.requestBytes]]);
  family('RequestBytesMean_count', 'counter', 'Requests received since the broker started.', [[broker, s.totals.requests]]);
  family('CpuUser', 'gauge', `Percent of the machine's CPU time in user space (user and nice), ${window}.`, [[broker, s.broker.CpuUser]]);
  family('CpuSystem', 'gauge', `Percent of the machine's CPU time in the kernel (system and irq), ${window}.`, [[broker, s.broker.CpuSystem]]);
  family('CpuIdle', 'gauge', `Percent of the machine's CPU time idle, ${window}.`, [[broker, s.broker.CpuIdle]]);
  family('MemoryUsed', 'gauge', 'Bytes of machine memory in use (total minus available).', [[broker, s.broker.MemoryUsed]]);
  family('KafkaDataLogsDiskUsed', 'gauge', 'Percent used of the file system holding the data directory.', [[broker, s.broker.KafkaDataLogsDiskUsed]]);
  family('UnderReplicatedPartitions', 'gauge', 'Partitions with fewer in-sync replicas than replicas (0: one replica each).', [[broker, s.cluster.UnderReplicatedPartitions]]);
  family('GlobalTopicCount', 'gauge', 'Topics in the cluster.', [[[], s.cluster.GlobalTopicCount]]);
  family('GlobalPartitionCount', 'gauge', 'Partitions in the cluster.', [[[], s.cluster.GlobalPartitionCount]]);
  family('OfflinePartitionsCount', 'gauge', 'Partitions without a working log (not opened, or stopped after an I/O failure).', [[[], s.cluster.OfflinePartitionsCount]]);
  family('ActiveControllerCount', 'gauge', 'Active controllers in the cluster.', [[[], s.cluster.ActiveControllerCount]]);

  const groupTopic = (g: BrokerMetricsSnapshot['consumerLag'][number]): Labels => [['consumer_group', g.consumerGroup], ['topic', g.topic]];
  const lag = s.consumerLag;
  family('MaxOffsetLag', 'gauge', 'Largest offset lag over the partitions the group has committed.', lag.map((g) => [groupTopic(g), g.MaxOffsetLag]));
  family('SumOffsetLag', 'gauge', 'Sum of the offset lags over the partitions the group has committed.', lag.map((g) => [groupTopic(g), g.SumOffsetLag]));
  family('EstimatedMaxTimeLag', 'gauge', 'Age in seconds of the oldest record the group has not consumed (0 when caught up).', lag.map((g) => [groupTopic(g), g.EstimatedMaxTimeLag]));
  const perPartition = (pick: (p: BrokerMetricsSnapshot['consumerLag'][number]['partitions'][number]) => number): Series =>
    lag.flatMap((g) => g.partitions.map((p) => [[...groupTopic(g), ['partition', String(p.partition)]], pick(p)] as const));
  family('OffsetLag', 'gauge', 'High watermark minus the committed offset.', perPartition((p) => p.OffsetLag));
  family('EstimatedTimeLag', 'gauge', 'Age in seconds of the first record not consumed (0 when caught up).', perPartition((p) => p.EstimatedTimeLag));
  return `${out.join('\n')}\n`;
}

function formatLabels(labels: Labels): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed (not quotes). */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
