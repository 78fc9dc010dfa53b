/**
 * A Direct PUT Firehose delivery stream into an S3 bucket: server-side encryption, delivery
 * errors logged to CloudWatch Logs, and the buffering, compression and prefixes of the local
 * Firehose's settings (checked with parseStreamSettings where they are concrete).
 */
import { Aws, CfnCondition, Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { LogGroup, LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './nag.ts';
import { assertNoProblems, streamProblems } from './validation.ts';

export interface DeliveryStreamProps {
  readonly bucket: IBucket;
  /** 1-128. */
  readonly sizeInMBs: number;
  /** 0-900. */
  readonly intervalInSeconds: number;
  readonly compressionFormat: string;
  /** Empty or left out: Firehose's `yyyy/MM/dd/HH/`. */
  readonly prefix?: string;
  /** Empty or left out: Firehose's default for errors (only when Prefix has no expressions). */
  readonly errorOutputPrefix?: string;
  /** How long delivery error logs are kept. Default: one month. */
  readonly logRetention?: RetentionDays;
}

const LOG_STREAM = 'DestinationDelivery';

export class DeliveryStream extends Construct {
  readonly stream: CfnDeliveryStream;

  constructor(scope: Construct, id: string, props: DeliveryStreamProps) {
    super(scope, id);
    assertNoProblems(this.node.path, streamProblems(props));

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const logStream = new LogStream(this, 'DeliveryLogs', { logGroup, logStreamName: LOG_STREAM, removalPolicy: RemovalPolicy.DESTROY });

    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('firehose.amazonaws.com'), description: 'Firehose: write the output bucket and the delivery error log' });
    const policy = new Policy(this, 'Policy', {
      roles: [role],
      statements: [
        new PolicyStatement({ sid: 'Bucket', actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [props.bucket.bucketArn] }),
        new PolicyStatement({ sid: 'Objects', actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: [props.bucket.arnForObjects('*')] }),
        new PolicyStatement({
          sid: 'ErrorLog',
          actions: ['logs:PutLogEvents'],
          resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`],
        }),
      ],
    });

    // An empty prefix parameter means "left out", as in the local settings.
    const optional = (name: string, value: string | undefined): string | undefined => {
      if (value === undefined) return undefined;
      if (!Token.isUnresolved(value)) return value === '' ? undefined : value;
      const empty = new CfnCondition(this, `${name}IsEmpty`, { expression: Fn.conditionEquals(value, '') });
      return Fn.conditionIf(empty.logicalId, Aws.NO_VALUE, value).toString();
    };

    this.stream = new CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: props.bucket.bucketArn,
        roleArn: role.roleArn,
        bufferingHints: { sizeInMBs: props.sizeInMBs, intervalInSeconds: props.intervalInSeconds },
        compressionFormat: props.compressionFormat,
        prefix: optional('Prefix', props.prefix),
        errorOutputPrefix: optional('ErrorOutputPrefix', props.errorOutputPrefix),
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    // Firehose checks it may write the bucket when the stream is created.
    this.stream.node.addDependency(policy);
    acknowledgeWildcardResource(policy, props.bucket.arnForObjects('*'), 'Firehose names each object itself (prefix, time and a random id), so it writes any key of the output bucket, and only of that bucket.');
  }
}
