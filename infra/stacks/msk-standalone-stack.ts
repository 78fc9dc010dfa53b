/**
 * Pattern 1: an MSK cluster, an EC2 client machine with the Kafka tools and sds, and a CloudWatch
 * dashboard of the cluster's health. Every setting is a CloudFormation parameter (defaults from
 * the props), so the template can also be launched from the console.
 */
import { Aws, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { clusterWidgets } from '../constructs/dashboard-widgets.ts';
import { KafkaClientInstance } from '../constructs/kafka-client-instance.ts';
import { MskCluster } from '../constructs/msk-cluster.ts';
import {
  ACCESS_CONTROLS,
  BROKER_INSTANCE_TYPES,
  brokerCountsFor,
  clusterProblems,
  DEFAULT_ACCESS_CONTROL,
  DEFAULT_BROKER_INSTANCE_TYPE,
  DEFAULT_KAFKA_VERSION,
  DEFAULT_MONITORING_LEVEL,
  DEFAULT_SUBNET_COUNT,
  EBS_VOLUME_SIZE,
  KAFKA_VERSIONS,
  MONITORING_LEVELS,
  type AccessControl,
} from '../constructs/msk-options.ts';
import { TemplateInterface } from '../constructs/template-interface.ts';
import { assertNoProblems } from '../constructs/validation.ts';

/** Amazon Linux 2023's current AMI, published by AWS as an SSM parameter. */
export const AL2023_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

export interface MskStandaloneStackProps extends StackProps {
  /** Subnets (Availability Zones) the brokers spread over: 2 or 3. Default: 3. */
  readonly subnetCount?: number;
  /** Default of ClusterName. Default: `sds-msk`. */
  readonly clusterName?: string;
  /** Default of KafkaVersion. Default: 3.8.x (MSK's recommended version). */
  readonly kafkaVersion?: string;
  /** Default of NumberBrokerNodes, a multiple of subnetCount. Default: one broker per subnet. */
  readonly brokerCount?: number;
  /** Default of BrokerInstanceType. Default: kafka.m5.large. */
  readonly brokerInstanceType?: string;
  /** Default of MonitoringLevel. Default: DEFAULT. */
  readonly monitoringLevel?: string;
  /** Default of EbsVolumeSize, GiB per broker. Default: 100. */
  readonly ebsVolumeSize?: number;
  /** Default of AccessControl. Default: IAM. */
  readonly accessControl?: AccessControl;
  /** Default of ClientInstanceType (x86_64, like the AMI). Default: t3.small. */
  readonly clientInstanceType?: string;
}

const CLUSTER_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,63}$/;

export class MskStandaloneStack extends Stack {
  readonly cluster: MskCluster;
  readonly client: KafkaClientInstance;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MskStandaloneStackProps = {}) {
    super(scope, id, { description: 'Streaming Data Solution for Amazon MSK, pattern 1: MSK cluster, Kafka client instance and dashboard', ...props });
    const subnetCount = props.subnetCount ?? DEFAULT_SUBNET_COUNT;
    const d = {
      subnetCount,
      clusterName: props.clusterName ?? 'sds-msk',
      kafkaVersion: props.kafkaVersion ?? DEFAULT_KAFKA_VERSION,
      brokerCount: props.brokerCount ?? subnetCount,
      brokerInstanceType: props.brokerInstanceType ?? DEFAULT_BROKER_INSTANCE_TYPE,
      monitoringLevel: props.monitoringLevel ?? DEFAULT_MONITORING_LEVEL,
      ebsVolumeSize: props.ebsVolumeSize ?? EBS_VOLUME_SIZE.default,
      accessControl: props.accessControl ?? DEFAULT_ACCESS_CONTROL,
      clientInstanceType: props.clientInstanceType ?? 't3.small',
    };
    assertNoProblems(id, [
      ...clusterProblems(d),
      ...(CLUSTER_NAME.test(d.clusterName) ? [] : [`clusterName: 1-64 letters, digits and hyphens, starting with a letter, got ${JSON.stringify(d.clusterName)}`]),
    ]);

    const ui = new TemplateInterface(this);
    const broker = 'Broker configuration';
    const clusterName = ui.parameter(broker, 'ClusterName', {
      label: 'Name of the MSK cluster (unique in the account and region)',
      type: 'String',
      allowedPattern: CLUSTER_NAME.source,
      constraintDescription: '1-64 letters, digits and hyphens, starting with a letter',
      default: d.clusterName,
    });
    const kafkaVersion = ui.parameter(broker, 'KafkaVersion', { label: 'Apache Kafka version of the brokers', type: 'String', allowedValues: [...KAFKA_VERSIONS], default: d.kafkaVersion });
    const brokerCount = ui.parameter(broker, 'NumberBrokerNodes', {
      label: `Number of brokers (a multiple of the ${subnetCount} subnets)`,
      type: 'Number',
      // AllowedValues are strings, so the default is one too (a number would not match them).
      allowedValues: brokerCountsFor(subnetCount).map(String),
      default: String(d.brokerCount),
    });
    const instanceType = ui.parameter(broker, 'BrokerInstanceType', { label: 'Broker instance type', type: 'String', allowedValues: [...BROKER_INSTANCE_TYPES], default: d.brokerInstanceType });
    const monitoringLevel = ui.parameter(broker, 'MonitoringLevel', { label: 'Enhanced monitoring level of the cluster\'s CloudWatch metrics', type: 'String', allowedValues: [...MONITORING_LEVELS], default: d.monitoringLevel });
    const ebsVolumeSize = ui.parameter(broker, 'EbsVolumeSize', { label: 'EBS storage per broker (GiB)', type: 'Number', minValue: EBS_VOLUME_SIZE.min, maxValue: EBS_VOLUME_SIZE.max, default: d.ebsVolumeSize });
    const accessControl = ui.parameter(broker, 'AccessControl', {
      label: 'How clients authenticate (all traffic is TLS): Unauthenticated, IAM or SASL/SCRAM',
      type: 'String',
      allowedValues: [...ACCESS_CONTROLS],
      default: d.accessControl,
    });

    const network = 'Networking configuration';
    const vpc = ui.parameter(network, 'BrokerVpcId', { label: 'VPC of the cluster and the client', type: 'AWS::EC2::VPC::Id' });
    const subnets = Array.from({ length: subnetCount }, (_, i) =>
      ui.parameter(network, `BrokerSubnet${i + 1}`, {
        label: `Subnet ${i + 1} of ${subnetCount}, each in a different Availability Zone (private, with a NAT route)${i === 0 ? '; the client runs here' : ''}`,
        type: 'AWS::EC2::Subnet::Id',
      }),
    );

    const client = 'Client configuration';
    const clientInstanceType = ui.parameter(client, 'ClientInstanceType', {
      label: 'Instance type of the client (x86_64)',
      type: 'String',
      allowedPattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$',
      constraintDescription: 'an EC2 instance type such as t3.small',
      default: d.clientInstanceType,
    });
    const clientAmi = ui.parameter(client, 'ClientAmiId', {
      label: 'AMI of the client (SSM parameter of Amazon Linux 2023)',
      type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      default: AL2023_AMI_PARAMETER,
    });

    this.cluster = new MskCluster(this, 'Msk', {
      clusterName: clusterName.valueAsString,
      kafkaVersion: kafkaVersion.valueAsString,
      brokerCount: brokerCount.valueAsNumber,
      brokerInstanceType: instanceType.valueAsString,
      monitoringLevel: monitoringLevel.valueAsString,
      ebsVolumeSize: ebsVolumeSize.valueAsNumber,
      accessControl: accessControl.valueAsString,
      vpcId: vpc.valueAsString,
      subnetIds: subnets.map((s) => s.valueAsString),
    });

    this.client = new KafkaClientInstance(this, 'Client', {
      cluster: this.cluster,
      kafkaVersion: kafkaVersion.valueAsString,
      vpcId: vpc.valueAsString,
      subnetId: subnets[0]?.valueAsString ?? '',
      instanceType: clientInstanceType.valueAsString,
      imageId: clientAmi.valueAsString,
    });

    const dashboardName = Fn.join('-', [Aws.STACK_NAME, 'msk', Aws.REGION]);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName, widgets: clusterWidgets(clusterName.valueAsString) });

    new CfnOutput(this, 'MskClusterArn', { description: 'ARN of the MSK cluster', value: this.cluster.cluster.attrArn });
    new CfnOutput(this, 'ClientInstanceId', { description: 'The client instance; connect with: aws ssm start-session --target <id>', value: this.client.instance.ref });
    new CfnOutput(this, 'BootstrapBrokersCommand', { description: 'Prints the bootstrap brokers of each listener', value: Fn.join('', ['aws kafka get-bootstrap-brokers --region ', Aws.REGION, ' --cluster-arn ', this.cluster.cluster.attrArn]) });
    new CfnOutput(this, 'CloudWatchDashboardName', { description: 'Name of the CloudWatch dashboard', value: dashboardName });
    new CfnOutput(this, 'ScramSecretArn', { description: 'SASL/SCRAM credentials (user name and password)', value: this.cluster.scramSecret.secretArn, condition: this.cluster.scramEnabled });
  }
}
