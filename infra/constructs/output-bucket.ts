/**
 * The bucket the delivery stream writes to: encrypted, public access blocked, TLS required,
 * server access logs to a second bucket, and a lifecycle that moves ageing objects to
 * Intelligent-Tiering and clears failed multipart uploads. Both buckets outlive the stack (data).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface OutputBucketProps {
  /** Days before objects move to Intelligent-Tiering. Default: 30. */
  readonly tieringAfterDays?: number;
  /** Days access logs are kept. Default: 365. */
  readonly accessLogDays?: number;
}

export class OutputBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: OutputBucketProps = {}) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(props.accessLogDays ?? 365) }],
    });
    Validations.of(this.accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the access-log bucket of the output bucket; logging it to itself would loop.' });

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'output/',
      lifecycleRules: [
        { id: 'IntelligentTiering', transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(props.tieringAfterDays ?? 30) }] },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}
