/**
 * Pattern 3: our msk-to-firehose handler (src/functions/msk-to-firehose) forwards an MSK topic,
 * through a Kafka event source mapping, into a Direct PUT Firehose delivery stream that buffers,
 * compresses and writes objects to an S3 bucket; with a dashboard of the function and the stream.
 */
import { Aws, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { BUFFERING_LIMITS } from '../../src/runtime/firehose/settings.ts';
import { COMPRESSION_FORMATS } from '../../src/runtime/firehose/compression.ts';
import { MAX_PREFIX_CHARS } from '../../src/runtime/firehose/object-key.ts';
import { deliveryStreamWidgets, functionWidgets } from '../constructs/dashboard-widgets.ts';
import { DeliveryStream } from '../constructs/delivery-stream.ts';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_RECORD_FORMAT, forwarderProblems, MAX_MAX_ATTEMPTS, RECORD_FORMATS, type ForwarderDefaults } from '../constructs/forwarder-settings.ts';
import { KafkaConsumerFunction, PROJECT_ROOT } from '../constructs/kafka-consumer-function.ts';
import { consumerDefaultsProblems, kafkaConsumerParameters, type KafkaConsumerDefaults } from '../constructs/kafka-consumer-parameters.ts';
import { OutputBucket } from '../constructs/output-bucket.ts';
import { TemplateInterface } from '../constructs/template-interface.ts';
import { assertNoProblems, functionProblems, streamProblems, type StreamFields } from '../constructs/validation.ts';

export const FORWARDER_ENTRY = 'src/functions/msk-to-firehose/index.ts';
/** Hive-style partitions by hour, which Athena and Glue read as columns. */
export const DEFAULT_PREFIX = 'data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';
export const DEFAULT_ERROR_OUTPUT_PREFIX = 'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/';

export interface MskLambdaKdfStackProps extends StackProps {
  /** Defaults of the event source mapping's parameters. Default: see KafkaConsumerDefaults. */
  readonly consumer?: KafkaConsumerDefaults;
  /** Defaults of the forwarder's RECORD_FORMAT and MAX_ATTEMPTS. Default: json-lines, 5. */
  readonly forwarder?: ForwarderDefaults;
  /**
   * Defaults of the delivery stream's parameters. Default: SizeInMBs 5, IntervalInSeconds 300,
   * UNCOMPRESSED (the local Firehose's defaults), DEFAULT_PREFIX and DEFAULT_ERROR_OUTPUT_PREFIX.
   */
  readonly stream?: StreamFields;
  /** The function's timeout in seconds (1-900). Default: 300, room for Firehose's retries. */
  readonly timeout?: number;
  /** The function's memory in MB (128-10240). Default: 512. */
  readonly memorySize?: number;
}

export class MskLambdaKdfStack extends Stack {
  readonly forwarder: KafkaConsumerFunction;
  readonly deliveryStream: DeliveryStream;
  readonly output: OutputBucket;

  constructor(scope: Construct, id: string, props: MskLambdaKdfStackProps = {}) {
    super(scope, id, { description: 'Streaming Data Solution for Amazon MSK, pattern 3: Lambda forwarding an MSK topic to Firehose and S3', ...props });
    const consumerDefaults = props.consumer ?? {};
    const forwarderDefaults = props.forwarder ?? {};
    const s = {
      sizeInMBs: props.stream?.sizeInMBs ?? BUFFERING_LIMITS.SizeInMBs.default,
      intervalInSeconds: props.stream?.intervalInSeconds ?? BUFFERING_LIMITS.IntervalInSeconds.default,
      compressionFormat: props.stream?.compressionFormat ?? 'UNCOMPRESSED',
      prefix: props.stream?.prefix ?? DEFAULT_PREFIX,
      errorOutputPrefix: props.stream?.errorOutputPrefix ?? DEFAULT_ERROR_OUTPUT_PREFIX,
    };
    const fn = { entry: FORWARDER_ENTRY, timeout: props.timeout ?? 300, memorySize: props.memorySize ?? 512 };
    assertNoProblems(id, [
      ...consumerDefaultsProblems(consumerDefaults),
      ...forwarderProblems(forwarderDefaults),
      ...streamProblems(s),
      ...functionProblems('msk-to-firehose', fn, PROJECT_ROOT),
    ]);

    const ui = new TemplateInterface(this);
    const source = kafkaConsumerParameters(this, ui, consumerDefaults);

    const fh = 'Firehose delivery stream';
    const size = ui.parameter(fh, 'SizeInMBs', {
      label: `Buffer size before delivery, MB (BufferingHints.SizeInMBs, ${BUFFERING_LIMITS.SizeInMBs.min}-${BUFFERING_LIMITS.SizeInMBs.max})`,
      type: 'Number',
      minValue: BUFFERING_LIMITS.SizeInMBs.min,
      maxValue: BUFFERING_LIMITS.SizeInMBs.max,
      default: s.sizeInMBs,
    });
    const interval = ui.parameter(fh, 'IntervalInSeconds', {
      label: `Buffer time before delivery, seconds (BufferingHints.IntervalInSeconds, ${BUFFERING_LIMITS.IntervalInSeconds.min}-${BUFFERING_LIMITS.IntervalInSeconds.max})`,
      type: 'Number',
      minValue: BUFFERING_LIMITS.IntervalInSeconds.min,
      maxValue: BUFFERING_LIMITS.IntervalInSeconds.max,
      default: s.intervalInSeconds,
    });
    const compression = ui.parameter(fh, 'CompressionFormat', { label: 'Compression of the objects written to S3', type: 'String', allowedValues: [...COMPRESSION_FORMATS], default: s.compressionFormat });
    const prefix = ui.parameter(fh, 'Prefix', { label: 'Key prefix of delivered objects (empty: yyyy/MM/dd/HH/)', type: 'String', maxLength: MAX_PREFIX_CHARS, default: s.prefix });
    const errorPrefix = ui.parameter(fh, 'ErrorOutputPrefix', {
      label: 'Key prefix of error objects; with expressions it must contain !{firehose:error-output-type}',
      type: 'String',
      maxLength: MAX_PREFIX_CHARS,
      default: s.errorOutputPrefix,
    });

    const fw = 'Forwarder function';
    const recordFormat = ui.parameter(fw, 'RecordFormat', {
      label: 'How each Kafka record becomes a Firehose record (RECORD_FORMAT)',
      type: 'String',
      allowedValues: [...RECORD_FORMATS],
      default: forwarderDefaults.recordFormat ?? DEFAULT_RECORD_FORMAT,
    });
    const maxAttempts = ui.parameter(fw, 'MaxAttempts', {
      label: `Firehose calls per batch before the invocation fails (MAX_ATTEMPTS, 1-${MAX_MAX_ATTEMPTS})`,
      type: 'Number',
      minValue: 1,
      maxValue: MAX_MAX_ATTEMPTS,
      default: forwarderDefaults.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });

    this.output = new OutputBucket(this, 'Output');
    this.deliveryStream = new DeliveryStream(this, 'Delivery', {
      bucket: this.output.bucket,
      sizeInMBs: size.valueAsNumber,
      intervalInSeconds: interval.valueAsNumber,
      compressionFormat: compression.valueAsString,
      prefix: prefix.valueAsString,
      errorOutputPrefix: errorPrefix.valueAsString,
    });
    const streamName = this.deliveryStream.stream.ref;

    this.forwarder = new KafkaConsumerFunction(this, 'Forwarder', {
      ...fn,
      name: 'msk-to-firehose',
      description: 'Forwards an MSK topic to a Firehose delivery stream (Streaming Data Solution, pattern 3)',
      environment: { DELIVERY_STREAM_NAME: streamName, RECORD_FORMAT: recordFormat.valueAsString, MAX_ATTEMPTS: maxAttempts.valueAsString },
      source,
    });
    this.forwarder.function.addToRolePolicy(new PolicyStatement({ sid: 'DeliveryStream', actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'], resources: [this.deliveryStream.stream.attrArn] }));

    const dashboardName = Fn.join('-', [Aws.STACK_NAME, 'lambda-firehose', Aws.REGION]);
    new Dashboard(this, 'Dashboard', {
      dashboardName,
      widgets: [...functionWidgets('Lambda forwarder (msk-to-firehose)', this.forwarder.function.functionName), ...deliveryStreamWidgets(streamName)],
    });

    new CfnOutput(this, 'LambdaFunctionName', { description: 'Name of the forwarder function', value: this.forwarder.function.functionName });
    new CfnOutput(this, 'ConsumerGroup', { description: 'Consumer group of the event source mapping', value: source.groupId });
    new CfnOutput(this, 'DeliveryStreamName', { description: 'Name of the Firehose delivery stream', value: streamName });
    new CfnOutput(this, 'OutputBucketName', { description: 'Bucket the delivery stream writes to', value: this.output.bucket.bucketName });
    new CfnOutput(this, 'CloudWatchDashboardName', { description: 'Name of the CloudWatch dashboard', value: dashboardName });
  }
}
