/**
 * CloudWatch dashboard widgets for the three patterns. Per-broker and per-group series come from
 * SEARCH expressions, so the dashboard follows the cluster as brokers, groups and topics come and
 * go, and no function has to count the brokers when the stack is deployed.
 */
import { Duration } from 'aws-cdk-lib';
import { GraphWidget, Metric, SearchExpression, SingleValueWidget, Stats, TextWidget, type IMetric, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';

const PERIOD = Duration.minutes(5);
const KAFKA = 'AWS/Kafka';

/** One series per broker of the cluster: `{AWS/Kafka,"Broker ID","Cluster Name"}` metrics, found by SEARCH. */
export function perBroker(clusterName: string, metricName: string, statistic: string): SearchExpression {
  return new SearchExpression({
    expression: `SEARCH('{${KAFKA},"Broker ID","Cluster Name"} MetricName="${metricName}" "Cluster Name"="${clusterName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label: '',
    period: PERIOD,
  });
}

/** One series per consumer group and topic of the cluster (optionally one group and topic only). */
export function consumerLag(clusterName: string, metricName: string, filter: { readonly group?: string; readonly topic?: string } = {}): SearchExpression {
  const terms = [`MetricName="${metricName}"`, `"Cluster Name"="${clusterName}"`];
  if (filter.group !== undefined) terms.push(`"Consumer Group"="${filter.group}"`);
  if (filter.topic !== undefined) terms.push(`Topic="${filter.topic}"`);
  return new SearchExpression({
    expression: `SEARCH('{${KAFKA},"Cluster Name","Consumer Group",Topic} ${terms.join(' ')}', 'Maximum', ${PERIOD.toSeconds()})`,
    label: '',
    period: PERIOD,
  });
}

function clusterMetric(clusterName: string, metricName: string): Metric {
  return new Metric({ namespace: KAFKA, metricName, dimensionsMap: { 'Cluster Name': clusterName }, statistic: Stats.MAXIMUM, period: PERIOD });
}

function graph(title: string, left: IMetric[], width = 12, height = 6): GraphWidget {
  return new GraphWidget({ title, left, width, height, period: PERIOD });
}

function single(title: string, metric: IMetric): SingleValueWidget {
  return new SingleValueWidget({ title, metrics: [metric], width: 6, height: 3, period: PERIOD });
}

/** Rows of the cluster section: the original solution's widgets plus consumer lag. */
export function clusterWidgets(clusterName: string): IWidget[][] {
  return [
    [new TextWidget({ markdown: '# MSK cluster', width: 24, height: 1 })],
    [
      graph('CPU (user) by broker', [perBroker(clusterName, 'CpuUser', 'Maximum')]),
      single('Partitions, all brokers', clusterMetric(clusterName, 'GlobalPartitionCount')),
      single('Topics, all brokers', clusterMetric(clusterName, 'GlobalTopicCount')),
    ],
    [
      single('Offline partitions', clusterMetric(clusterName, 'OfflinePartitionsCount')),
      single('Active controllers', clusterMetric(clusterName, 'ActiveControllerCount')),
    ],
    [
      new GraphWidget({
        title: 'Data disk used by broker (%)',
        left: [perBroker(clusterName, 'KafkaDataLogsDiskUsed', 'Maximum')],
        leftAnnotations: [{ label: 'Disk full', value: 100 }],
        leftYAxis: { min: 0, max: 100 },
        width: 12,
        height: 6,
        period: PERIOD,
      }),
      graph('Incoming messages by broker (per second)', [perBroker(clusterName, 'MessagesInPerSec', 'Maximum')]),
    ],
    [
      graph('Under-replicated partitions by broker', [perBroker(clusterName, 'UnderReplicatedPartitions', 'Maximum')]),
      graph('Bytes received by broker (per second)', [perBroker(clusterName, 'BytesInPerSec', 'Maximum')], 6),
      graph('Bytes sent by broker (per second)', [perBroker(clusterName, 'BytesOutPerSec', 'Maximum')], 6),
    ],
    [
      graph('Network packets received by broker', [perBroker(clusterName, 'NetworkRxPackets', 'Average')], 6),
      graph('Network packets sent by broker', [perBroker(clusterName, 'NetworkTxPackets', 'Average')], 6),
      graph('Network receive errors by broker', [perBroker(clusterName, 'NetworkRxErrors', 'Sum')], 6),
      graph('Network send errors by broker', [perBroker(clusterName, 'NetworkTxErrors', 'Sum')], 6),
    ],
    [new TextWidget({ markdown: '## Consumer lag (by consumer group and topic)', width: 24, height: 1 })],
    [
      graph('Max offset lag (largest partition)', [consumerLag(clusterName, 'MaxOffsetLag')], 8),
      graph('Sum of offset lag (all partitions)', [consumerLag(clusterName, 'SumOffsetLag')], 8),
      graph('Estimated max time lag (seconds)', [consumerLag(clusterName, 'EstimatedMaxTimeLag')], 8),
    ],
  ];
}

function lambdaMetric(functionName: string, metricName: string, statistic: string): Metric {
  return new Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: functionName }, statistic, period: PERIOD });
}

/** Rows of a function's section: invocations, errors, duration, and the offset lag its mapping reports. */
export function functionWidgets(title: string, functionName: string): IWidget[][] {
  return [
    [new TextWidget({ markdown: `## ${title}`, width: 24, height: 1 })],
    [
      graph('Invocations', [lambdaMetric(functionName, 'Invocations', Stats.SUM)], 6),
      graph('Errors and throttles', [lambdaMetric(functionName, 'Errors', Stats.SUM), lambdaMetric(functionName, 'Throttles', Stats.SUM)], 6),
      graph('Duration (ms)', [lambdaMetric(functionName, 'Duration', Stats.AVERAGE), lambdaMetric(functionName, 'Duration', Stats.MAXIMUM)], 6),
      graph('Offset lag of the event source mapping', [lambdaMetric(functionName, 'OffsetLag', Stats.MAXIMUM)], 6),
    ],
  ];
}

function firehoseMetric(streamName: string, metricName: string, statistic: string): Metric {
  return new Metric({ namespace: 'AWS/Firehose', metricName, dimensionsMap: { DeliveryStreamName: streamName }, statistic, period: PERIOD });
}

/** Rows of a delivery stream's section: what comes in, what reaches S3, and how late. */
export function deliveryStreamWidgets(streamName: string): IWidget[][] {
  return [
    [new TextWidget({ markdown: '## Firehose delivery stream', width: 24, height: 1 })],
    [
      graph('Incoming records', [firehoseMetric(streamName, 'IncomingRecords', Stats.SUM), firehoseMetric(streamName, 'ThrottledRecords', Stats.SUM)], 6),
      graph('Incoming bytes', [firehoseMetric(streamName, 'IncomingBytes', Stats.SUM)], 6),
      new GraphWidget({
        title: 'Delivered to S3: records (left) and success ratio (right)',
        left: [firehoseMetric(streamName, 'DeliveryToS3.Records', Stats.SUM)],
        right: [firehoseMetric(streamName, 'DeliveryToS3.Success', Stats.AVERAGE)],
        rightYAxis: { min: 0, max: 1 },
        width: 6,
        height: 6,
        period: PERIOD,
      }),
      graph('Age of the oldest undelivered record (s)', [firehoseMetric(streamName, 'DeliveryToS3.DataFreshness', Stats.MAXIMUM)], 6),
    ],
  ];
}
