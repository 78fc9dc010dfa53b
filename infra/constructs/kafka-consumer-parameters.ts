/**
 * The CloudFormation parameters of a Kafka event source mapping (patterns 2 and 3), named as in
 * CreateEventSourceMapping, with the ranges and defaults of the local event source mapping's
 * check (parseMappingSettings). Their defaults are checked with that same function first.
 */
import { CfnCondition, CfnRule, Fn, Stack, type CfnParameter } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GROUP_ID, MAPPING_LIMITS, TOPIC } from '../../src/runtime/event-source/settings.ts';
import type { TemplateInterface } from './template-interface.ts';
import { mappingProblems } from './validation.ts';

export const STARTING_POSITIONS = ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'] as const;

/** Defaults of the parameters; each is checked by parseMappingSettings. */
export interface KafkaConsumerDefaults {
  /** Default: none, the topic must be given at deployment. */
  readonly topic?: string;
  /** Default: 100. */
  readonly batchSize?: number;
  /** Default: left out, which is Lambda's 500 ms. */
  readonly maximumBatchingWindowInSeconds?: number;
  /** Default: LATEST. */
  readonly startingPosition?: (typeof STARTING_POSITIONS)[number];
  /** Default: `<stack id>-consumer`. */
  readonly consumerGroupId?: string;
}

/** The CreateEventSourceMapping problems of the defaults (empty when they are valid). */
export function consumerDefaultsProblems(d: KafkaConsumerDefaults): string[] {
  return mappingProblems({
    topic: d.topic,
    batchSize: d.batchSize,
    maximumBatchingWindowInSeconds: d.maximumBatchingWindowInSeconds,
    startingPosition: d.startingPosition,
    consumerGroupId: d.consumerGroupId,
  });
}

/** A regular expression for the numbers 0..max (max at most 999) written without leading zeros. */
function wholeNumbersUpTo(max: number): string[] {
  const alternatives = [max >= 9 ? '[0-9]' : `[0-${max}]`];
  // Numbers with `digits` digits up to `limit`: every full lower leading digit, then the prefix of `limit`.
  const upTo = (limit: number, digits: number): void => {
    const text = String(limit);
    for (let i = 0; i < digits; i++) {
      const d = Number(text[i]);
      const low = i === 0 ? 1 : 0;
      const rest = digits - i - 1;
      if (i === digits - 1) alternatives.push(`${text.slice(0, i)}[${low}-${d}]`);
      else if (d > low) alternatives.push(`${text.slice(0, i)}[${low}-${d - 1}]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
    }
  };
  if (max >= 10) upTo(Math.min(max, 99), 2);
  if (max >= 100) upTo(max, 3);
  return alternatives;
}

/** A CloudFormation AllowedPattern for an optional whole number from 0 to `max` (at most 999). */
export function optionalWholeNumberPattern(max: number): string {
  return `^$|^(${wholeNumbersUpTo(max).join('|')})$`;
}

export interface KafkaConsumerParameters {
  readonly clusterArn: CfnParameter;
  readonly topic: CfnParameter;
  readonly batchSize: CfnParameter;
  readonly batchingWindow: CfnParameter;
  readonly startingPosition: CfnParameter;
  readonly startingPositionTimestamp: CfnParameter;
  readonly consumerGroupId: CfnParameter;
  readonly secretArn: CfnParameter;
  readonly secretKeyArn: CfnParameter;
  /** The consumer group (the parameter's value). */
  readonly groupId: string;
  readonly hasBatchingWindow: CfnCondition;
  readonly atTimestamp: CfnCondition;
  /** True when SecretArn is given: the mapping authenticates with SASL/SCRAM. */
  readonly scram: CfnCondition;
}

const GROUP = 'Kafka event source mapping';
const ARN = 'arn:aws[a-zA-Z-]*';

export function kafkaConsumerParameters(scope: Construct, ui: TemplateInterface, d: KafkaConsumerDefaults): KafkaConsumerParameters {
  const clusterArn = ui.parameter(GROUP, 'ClusterArn', {
    label: 'ARN of the MSK cluster to consume from',
    type: 'String',
    allowedPattern: `^${ARN}:kafka:[a-z0-9-]+:\\d{12}:cluster/[a-zA-Z0-9-]+/[a-zA-Z0-9-]+$`,
    constraintDescription: 'an MSK cluster ARN: arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>',
  });
  const topic = ui.parameter(GROUP, 'TopicName', {
    label: 'Topic to consume (it must exist before the stack is created)',
    type: 'String',
    allowedPattern: TOPIC.source,
    constraintDescription: 'a Kafka topic name: 1-249 letters, digits, ".", "_" or "-"',
    ...(d.topic !== undefined ? { default: d.topic } : {}),
  });
  const batchSize = ui.parameter(GROUP, 'BatchSize', {
    label: 'Most records per invocation (BatchSize)',
    type: 'Number',
    minValue: MAPPING_LIMITS.BatchSize.min,
    maxValue: MAPPING_LIMITS.BatchSize.max,
    default: d.batchSize ?? MAPPING_LIMITS.BatchSize.default,
  });
  const window = MAPPING_LIMITS.MaximumBatchingWindowInSeconds;
  const batchingWindow = ui.parameter(GROUP, 'MaximumBatchingWindowInSeconds', {
    label: `Longest wait to fill a batch, ${window.min}-${window.max} s (empty: Lambda's default, 500 ms)`,
    type: 'String',
    allowedPattern: optionalWholeNumberPattern(window.max),
    constraintDescription: `empty, or a whole number of seconds from ${window.min} to ${window.max}`,
    default: d.maximumBatchingWindowInSeconds === undefined ? '' : String(d.maximumBatchingWindowInSeconds),
  });
  const startingPosition = ui.parameter(GROUP, 'StartingPosition', {
    label: 'Where a new consumer group starts reading',
    type: 'String',
    allowedValues: [...STARTING_POSITIONS],
    default: d.startingPosition ?? 'LATEST',
  });
  const startingPositionTimestamp = ui.parameter(GROUP, 'StartingPositionTimestamp', {
    label: 'With AT_TIMESTAMP: the time to start from, in Unix seconds',
    type: 'Number',
    minValue: 0,
    default: 0,
  });
  const consumerGroupId = ui.parameter(GROUP, 'ConsumerGroupId', {
    label: 'Consumer group of the mapping (its offsets are committed there; unique per deployment)',
    type: 'String',
    allowedPattern: GROUP_ID.source,
    constraintDescription: '1-200 letters, digits and - / * : _ + = . @',
    default: d.consumerGroupId ?? `${Stack.of(scope).stackName}-consumer`,
  });
  const secretArn = ui.parameter(GROUP, 'ScramCredentialsArn', {
    label: 'SASL/SCRAM: ARN of the AmazonMSK_ secret (empty: IAM or unauthenticated access)',
    type: 'String',
    allowedPattern: `^$|^${ARN}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:AmazonMSK_.+$`,
    constraintDescription: 'empty, or the ARN of a Secrets Manager secret whose name starts with AmazonMSK_',
    default: '',
  });
  const secretKeyArn = ui.parameter(GROUP, 'ScramCredentialsKmsArn', {
    label: 'SASL/SCRAM: ARN of the KMS key that encrypts the secret',
    type: 'String',
    allowedPattern: `^$|^${ARN}:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$`,
    constraintDescription: 'empty, or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)',
    default: '',
  });

  const hasBatchingWindow = new CfnCondition(scope, 'HasBatchingWindow', { expression: Fn.conditionNot(Fn.conditionEquals(batchingWindow.valueAsString, '')) });
  const atTimestamp = new CfnCondition(scope, 'StartsAtTimestamp', { expression: Fn.conditionEquals(startingPosition.valueAsString, 'AT_TIMESTAMP') });
  const scram = new CfnCondition(scope, 'UsesScram', { expression: Fn.conditionNot(Fn.conditionEquals(secretArn.valueAsString, '')) });

  // Checked before anything is created: a SCRAM secret needs its key, AT_TIMESTAMP its time.
  new CfnRule(scope, 'ScramNeedsKey', {
    ruleCondition: Fn.conditionNot(Fn.conditionEquals(secretArn.valueAsString, '')),
    assertions: [{ assert: Fn.conditionNot(Fn.conditionEquals(secretKeyArn.valueAsString, '')), assertDescription: 'ScramCredentialsKmsArn is required with ScramCredentialsArn: SCRAM secrets are encrypted with a customer managed key' }],
  });
  new CfnRule(scope, 'TimestampNeedsTime', {
    ruleCondition: Fn.conditionEquals(startingPosition.valueAsString, 'AT_TIMESTAMP'),
    assertions: [{ assert: Fn.conditionNot(Fn.conditionEquals(startingPositionTimestamp.valueAsString, '0')), assertDescription: 'StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp (Unix seconds)' }],
  });

  return { clusterArn, topic, batchSize, batchingWindow, startingPosition, startingPositionTimestamp, consumerGroupId, secretArn, secretKeyArn, groupId: consumerGroupId.valueAsString, hasBatchingWindow, atTimestamp, scram };
}
