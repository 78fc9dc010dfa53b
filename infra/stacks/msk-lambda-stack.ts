/**
 * Pattern 2: our msk-consumer handler (src/functions/msk-consumer) invoked by a Kafka event source
 * mapping on an existing MSK cluster, with a dashboard of the function and its consumer lag.
 */
import { Aws, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { consumerLag, functionWidgets } from '../constructs/dashboard-widgets.ts';
import { GraphWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { KafkaConsumerFunction, PROJECT_ROOT } from '../constructs/kafka-consumer-function.ts';
import { consumerDefaultsProblems, kafkaConsumerParameters, type KafkaConsumerDefaults } from '../constructs/kafka-consumer-parameters.ts';
import { mskClusterName } from '../constructs/msk-arns.ts';
import { TemplateInterface } from '../constructs/template-interface.ts';
import { assertNoProblems, functionProblems } from '../constructs/validation.ts';

export const CONSUMER_ENTRY = 'src/functions/msk-consumer/index.ts';

export interface MskLambdaStackProps extends StackProps {
  /** Defaults of the event source mapping's parameters. Default: see KafkaConsumerDefaults. */
  readonly consumer?: KafkaConsumerDefaults;
  /** The function's timeout in seconds (1-900). Default: 60. */
  readonly timeout?: number;
  /** The function's memory in MB (128-10240). Default: 256. */
  readonly memorySize?: number;
}

export class MskLambdaStack extends Stack {
  readonly consumer: KafkaConsumerFunction;

  constructor(scope: Construct, id: string, props: MskLambdaStackProps = {}) {
    super(scope, id, { description: 'Streaming Data Solution for Amazon MSK, pattern 2: a Lambda function consuming an MSK topic', ...props });
    const consumerDefaults = props.consumer ?? {};
    const fn = { entry: CONSUMER_ENTRY, timeout: props.timeout ?? 60, memorySize: props.memorySize ?? 256 };
    assertNoProblems(id, [...consumerDefaultsProblems(consumerDefaults), ...functionProblems('msk-consumer', fn, PROJECT_ROOT)]);

    const ui = new TemplateInterface(this);
    const source = kafkaConsumerParameters(this, ui, consumerDefaults);
    this.consumer = new KafkaConsumerFunction(this, 'Consumer', {
      ...fn,
      name: 'msk-consumer',
      description: 'Logs each record of an MSK topic (Streaming Data Solution, pattern 2)',
      source,
    });

    const functionName = this.consumer.function.functionName;
    const dashboardName = Fn.join('-', [Aws.STACK_NAME, 'lambda', Aws.REGION]);
    const clusterName = mskClusterName(source.clusterArn.valueAsString);
    new Dashboard(this, 'Dashboard', {
      dashboardName,
      widgets: [
        ...functionWidgets('Lambda consumer (msk-consumer)', functionName),
        [new TextWidget({ markdown: '## Consumer group lag (MSK metrics)', width: 24, height: 1 })],
        [
          new GraphWidget({ title: 'Max offset lag', left: [consumerLag(clusterName, 'MaxOffsetLag', { group: source.groupId, topic: source.topic.valueAsString })], width: 8 }),
          new GraphWidget({ title: 'Sum of offset lag', left: [consumerLag(clusterName, 'SumOffsetLag', { group: source.groupId, topic: source.topic.valueAsString })], width: 8 }),
          new GraphWidget({ title: 'Estimated max time lag (seconds)', left: [consumerLag(clusterName, 'EstimatedMaxTimeLag', { group: source.groupId, topic: source.topic.valueAsString })], width: 8 }),
        ],
      ],
    });

    new CfnOutput(this, 'LambdaFunctionName', { description: 'Name of the consumer function', value: functionName });
    new CfnOutput(this, 'EventSourceMappingId', { description: 'UUID of the event source mapping', value: this.consumer.mapping.ref });
    new CfnOutput(this, 'ConsumerGroup', { description: 'Consumer group of the event source mapping', value: source.groupId });
    new CfnOutput(this, 'CloudWatchDashboardName', { description: 'Name of the CloudWatch dashboard', value: dashboardName });
  }
}
