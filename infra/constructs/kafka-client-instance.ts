/**
 * The EC2 client machine of pattern 1: Amazon Linux 2023, IMDSv2 only, an encrypted root volume,
 * reached through Session Manager (no SSH, no inbound rule), with the Kafka tools and sds
 * installed at first boot. Its role may use the cluster's own topics and groups and nothing else.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Fn, Validations, type CfnResource } from 'aws-cdk-lib';
import { CfnInstance, CfnLaunchTemplate, CfnSecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { CfnInstanceProfile, Effect, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { clientUserData } from './client-user-data.ts';
import { mskResourceArn } from './msk-arns.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import type { MskCluster } from './msk-cluster.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface KafkaClientInstanceProps {
  readonly cluster: MskCluster;
  readonly kafkaVersion: string;
  readonly vpcId: string;
  /** Needs a route to the internet (NAT) for packages and Session Manager. */
  readonly subnetId: string;
  readonly instanceType: string;
  /** An AMI id, usually an SSM parameter's value (Amazon Linux 2023). */
  readonly imageId: string;
  /** Root volume size in GiB. Default: 16. */
  readonly volumeSize?: number;
}

export class KafkaClientInstance extends Construct {
  readonly instance: CfnInstance;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: KafkaClientInstanceProps) {
    super(scope, id);
    const clusterArn = props.cluster.cluster.attrArn;

    // The project's sources, so the instance runs the same sds as this repository.
    const bundle = new Asset(this, 'SdsBundle', {
      path: PROJECT_ROOT,
      exclude: ['*', '!package.json', '!package-lock.json', '!bin', '!bin/**', '!src', '!src/**'],
    });

    const topics = mskResourceArn(clusterArn, 'topic', '*');
    const groups = mskResourceArn(clusterArn, 'group', '*');
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('ec2.amazonaws.com'), description: 'Kafka client instance: Session Manager, the MSK cluster of its stack, the sds bundle' });
    const policy = new Policy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new PolicyStatement({ sid: 'SessionManager', actions: ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'], resources: ['*'] }),
        new PolicyStatement({ sid: 'ClusterInfo', actions: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resources: [clusterArn] }),
        new PolicyStatement({
          sid: 'ClusterData',
          actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:DescribeClusterDynamicConfiguration', 'kafka-cluster:WriteDataIdempotently'],
          resources: [clusterArn],
        }),
        new PolicyStatement({
          sid: 'Topics',
          actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:DeleteTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:AlterTopicDynamicConfiguration', 'kafka-cluster:ReadData', 'kafka-cluster:WriteData'],
          resources: [topics],
        }),
        new PolicyStatement({ sid: 'Groups', actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup', 'kafka-cluster:DeleteGroup'], resources: [groups] }),
        new PolicyStatement({ sid: 'SdsBundle', actions: ['s3:GetObject'], resources: [bundle.bucket.arnForObjects(bundle.s3ObjectKey)] }),
      ],
    });
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Session Manager\'s ssm:UpdateInstanceInformation and ssmmessages actions have no resource-level permissions.' });
    acknowledgeWildcardResource(policy, topics, 'A general-purpose client creates and uses topics of any name, but only in the cluster of its stack.');
    acknowledgeWildcardResource(policy, groups, 'A general-purpose client uses consumer groups of any name, but only in the cluster of its stack.');

    // Reading the SCRAM credentials, only when the cluster uses SASL/SCRAM.
    const scramPolicy = new Policy(this, 'ScramPolicy', {
      roles: [this.role],
      statements: [
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.cluster.scramSecret.secretArn] }),
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['kms:Decrypt'],
          resources: [props.cluster.scramKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
        }),
      ],
    });
    (scramPolicy.node.defaultChild as CfnResource).cfnOptions.condition = props.cluster.scramEnabled;

    const securityGroup = new CfnSecurityGroup(this, 'SecurityGroup', { groupDescription: 'Kafka client instance: no inbound rules (Session Manager), outbound for packages and the cluster', vpcId: props.vpcId });
    props.cluster.allowFrom('Client', securityGroup.attrGroupId, 'the client instance', true);

    const profile = new CfnInstanceProfile(this, 'InstanceProfile', { roles: [this.role.roleName] });
    const launchTemplate = new CfnLaunchTemplate(this, 'LaunchTemplate', {
      launchTemplateData: { metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 } },
    });

    this.instance = new CfnInstance(this, 'Instance', {
      imageId: props.imageId,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      securityGroupIds: [securityGroup.attrGroupId],
      iamInstanceProfile: profile.ref,
      monitoring: true,
      launchTemplate: { launchTemplateId: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeSize: props.volumeSize ?? 16, volumeType: 'gp3', deleteOnTermination: true } }],
      userData: Fn.base64(clientUserData({ kafkaVersion: props.kafkaVersion, clusterArn, region: Aws.REGION, sdsBundleUrl: bundle.s3ObjectUrl })),
      tags: [{ key: 'Name', value: `${Aws.STACK_NAME}-kafka-client` }],
    });
    // The role's policies must exist before first boot uses them.
    this.instance.node.addDependency(policy);
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-EC29',
      reason: 'A disposable client machine: termination protection would make deleting the stack fail.',
    });
  }
}
