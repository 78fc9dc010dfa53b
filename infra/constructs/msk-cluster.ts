/**
 * An MSK provisioned cluster: TLS in transit (client-broker and in-cluster), encryption at rest,
 * broker logs to CloudWatch Logs, Prometheus open monitoring, and a security group that opens
 * only the listener port of the chosen access control. With SASL/SCRAM it also creates the
 * customer managed key, the `AmazonMSK_` secret and its association that SCRAM requires.
 */
import { CfnCondition, Fn, RemovalPolicy, Token, Validations, type CfnResource } from 'aws-cdk-lib';
import { CfnSecurityGroup, CfnSecurityGroupIngress } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnBatchScramSecret, CfnCluster } from 'aws-cdk-lib/aws-msk';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ACCESS_CONTROL_PORTS, OPEN_MONITORING_PORTS, type AccessControl } from './msk-options.ts';

export interface MskClusterProps {
  /** 1-64 letters, digits and hyphens. */
  readonly clusterName: string;
  readonly kafkaVersion: string;
  /** A multiple of the number of subnets. */
  readonly brokerCount: number;
  readonly brokerInstanceType: string;
  readonly monitoringLevel: string;
  /** GiB per broker. */
  readonly ebsVolumeSize: number;
  /** One of ACCESS_CONTROLS (usually a parameter's value). */
  readonly accessControl: string;
  readonly vpcId: string;
  /** 2 or 3 subnets, each in its own Availability Zone. */
  readonly subnetIds: readonly string[];
  /** How long broker logs are kept. Default: one month. */
  readonly logRetention?: RetentionDays;
}

export class MskCluster extends Construct {
  readonly cluster: CfnCluster;
  readonly securityGroup: CfnSecurityGroup;
  /** True when the cluster authenticates clients with SASL/SCRAM. */
  readonly scramEnabled: CfnCondition;
  /** The SCRAM credentials (created only under `scramEnabled`). */
  readonly scramSecret: Secret;
  readonly scramKey: Key;
  /** The listener port of the chosen access control. */
  readonly clientPort: number;

  constructor(scope: Construct, id: string, props: MskClusterProps) {
    super(scope, id);
    const is = (method: AccessControl): CfnCondition => new CfnCondition(this, `Is${method.replace(/\W/g, '')}`, { expression: Fn.conditionEquals(props.accessControl, method) });
    const iam = is('IAM');
    this.scramEnabled = is('SASL/SCRAM');
    this.clientPort = Token.asNumber(Fn.conditionIf(iam.logicalId, ACCESS_CONTROL_PORTS.IAM, Fn.conditionIf(this.scramEnabled.logicalId, ACCESS_CONTROL_PORTS['SASL/SCRAM'], ACCESS_CONTROL_PORTS.Unauthenticated)));

    this.securityGroup = new CfnSecurityGroup(this, 'SecurityGroup', {
      groupDescription: 'MSK brokers: the listener port of the access control in use, from this group and the client instance',
      vpcId: props.vpcId,
    });
    // Lambda's event source mapping reaches the brokers from network interfaces in this same group.
    this.allowFrom('Self', this.securityGroup.attrGroupId, 'event source mappings (Lambda pollers use the cluster\'s security group)');

    const logGroup = new LogGroup(this, 'BrokerLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });

    this.cluster = new CfnCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      kafkaVersion: props.kafkaVersion,
      numberOfBrokerNodes: props.brokerCount,
      enhancedMonitoring: props.monitoringLevel,
      brokerNodeGroupInfo: {
        instanceType: props.brokerInstanceType,
        clientSubnets: [...props.subnetIds],
        securityGroups: [this.securityGroup.attrGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.ebsVolumeSize } },
      },
      // Fn::If branches are written as CloudFormation properties (not converted by CDK).
      clientAuthentication: Fn.conditionIf(
        iam.logicalId,
        { Sasl: { Iam: { Enabled: true } } },
        Fn.conditionIf(this.scramEnabled.logicalId, { Sasl: { Scram: { Enabled: true } } }, { Unauthenticated: { Enabled: true } }),
      ),
      // Data volumes are encrypted with the AWS managed key for MSK when no key is named.
      encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: logGroup.logGroupName } } },
      openMonitoring: { prometheus: { jmxExporter: { enabledInBroker: true }, nodeExporter: { enabledInBroker: true } } },
    });

    // SCRAM secrets must be named AmazonMSK_* and encrypted with a customer managed key.
    this.scramKey = new Key(this, 'ScramKey', { description: 'Encrypts the SASL/SCRAM credentials of the MSK cluster', enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
    this.scramSecret = new Secret(this, 'ScramSecret', {
      secretName: `AmazonMSK_${props.clusterName}`,
      description: 'SASL/SCRAM user name and password for the MSK cluster',
      encryptionKey: this.scramKey,
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'sds' }), generateStringKey: 'password', excludePunctuation: true, passwordLength: 32 },
    });
    const association = new CfnBatchScramSecret(this, 'ScramSecretAssociation', { clusterArn: this.cluster.attrArn, secretArnList: [this.scramSecret.secretArn] });
    for (const resource of [this.scramKey.node.defaultChild, this.scramSecret.node.defaultChild, association]) {
      (resource as CfnResource).cfnOptions.condition = this.scramEnabled;
    }
    Validations.of(this.scramSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'MSK reads SCRAM credentials from the secret as they are; an automatic rotation would change the password under running clients. Rotate by writing a new value and restarting the clients.',
    });
  }

  /** Opens the client port (and Prometheus' exporter ports) to another security group. */
  allowFrom(id: string, sourceGroupId: string, purpose: string, withMonitoring = false): void {
    new CfnSecurityGroupIngress(this, `From${id}`, {
      groupId: this.securityGroup.attrGroupId,
      ipProtocol: 'tcp',
      fromPort: this.clientPort,
      toPort: this.clientPort,
      sourceSecurityGroupId: sourceGroupId,
      description: `Kafka listener of the access control in use, for ${purpose}`,
    });
    if (withMonitoring) {
      new CfnSecurityGroupIngress(this, `PrometheusFrom${id}`, {
        groupId: this.securityGroup.attrGroupId,
        ipProtocol: 'tcp',
        fromPort: OPEN_MONITORING_PORTS.from,
        toPort: OPEN_MONITORING_PORTS.to,
        sourceSecurityGroupId: sourceGroupId,
        description: `Prometheus JMX and node exporters, for ${purpose}`,
      });
    }
  }
}
