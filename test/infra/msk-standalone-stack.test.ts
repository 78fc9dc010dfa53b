import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { ACCESS_CONTROLS, BROKER_INSTANCE_TYPES, KAFKA_CLIENT_RELEASES, KAFKA_VERSIONS } from '../../infra/constructs/msk-options.ts';
import { AL2023_AMI_PARAMETER, MskStandaloneStack } from '../../infra/stacks/msk-standalone-stack.ts';
import { actionsOf, appWithChecks, dashboardBody, dashboardMetrics, onlyResource, policyStatements, resourcesOf, synth } from './helpers.ts';

// One synthesis for the whole file (cdk-nag runs in it and throws on any unacknowledged finding).
const app = appWithChecks();
const { template, json } = synth(new MskStandaloneStack(app, 'MskStandalone'));
const twoSubnets = synth(new MskStandaloneStack(appWithChecks(), 'MskStandalone2', { subnetCount: 2, brokerCount: 4 })).json;

test('parameters: versions MSK supports today (3.8.x by default), the three instance families, access control, 2-3 subnets', () => {
  const p = json.Parameters;
  assert.deepEqual(p['KafkaVersion']?.AllowedValues, [...KAFKA_VERSIONS]);
  assert.equal(p['KafkaVersion']?.Default, '3.8.x');
  assert.ok(KAFKA_VERSIONS.includes('4.1.x.kraft'));
  const types = p['BrokerInstanceType']?.AllowedValues ?? [];
  assert.deepEqual(types, [...BROKER_INSTANCE_TYPES]);
  for (const family of ['kafka.t3.small', 'kafka.m5.large', 'kafka.m7g.large']) assert.ok(types.includes(family), family);
  assert.deepEqual(p['AccessControl']?.AllowedValues, [...ACCESS_CONTROLS]);
  assert.deepEqual(p['NumberBrokerNodes']?.AllowedValues?.slice(0, 3), ['3', '6', '9']);
  assert.equal(p['NumberBrokerNodes']?.Default, '3');
  assert.deepEqual([p['EbsVolumeSize']?.MinValue, p['EbsVolumeSize']?.MaxValue], [1, 16384]);
  assert.equal(p['BrokerVpcId']?.Type, 'AWS::EC2::VPC::Id');
  assert.deepEqual(['BrokerSubnet1', 'BrokerSubnet2', 'BrokerSubnet3'].map((id) => p[id]?.Type), Array(3).fill('AWS::EC2::Subnet::Id'));
  assert.equal(p['BrokerSubnet4'], undefined);
  assert.equal(p['ClientAmiId']?.Type, 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
  assert.equal(p['ClientAmiId']?.Default, AL2023_AMI_PARAMETER);
});

test('with 2 subnets (context subnetCount=2) the broker counts are the even numbers', () => {
  assert.deepEqual(twoSubnets.Parameters['NumberBrokerNodes']?.AllowedValues?.slice(0, 3), ['2', '4', '6']);
  assert.equal(twoSubnets.Parameters['NumberBrokerNodes']?.Default, '4');
  assert.equal(twoSubnets.Parameters['BrokerSubnet3'], undefined);
});

test('parameters are labelled and grouped (AWS::CloudFormation::Interface) and every parameter is in a group', () => {
  const ui = json.Metadata['AWS::CloudFormation::Interface'] as { ParameterGroups: { Label: { default: string }; Parameters: string[] }[]; ParameterLabels: Record<string, { default: string }> };
  assert.deepEqual(ui.ParameterGroups.map((g) => g.Label.default), ['Broker configuration', 'Networking configuration', 'Client configuration']);
  const grouped = ui.ParameterGroups.flatMap((g) => g.Parameters).sort();
  assert.deepEqual(grouped, Object.keys(json.Parameters).filter((id) => id !== 'BootstrapVersion').sort());
  for (const id of grouped) assert.ok((ui.ParameterLabels[id]?.default.length ?? 0) > 10, `label of ${id}`);
});

test('the cluster: TLS in transit, encryption at rest, broker logs, Prometheus, subnets and sizes from the parameters', () => {
  template.hasResourceProperties('AWS::MSK::Cluster', {
    ClusterName: { Ref: 'ClusterName' },
    KafkaVersion: { Ref: 'KafkaVersion' },
    NumberOfBrokerNodes: { Ref: 'NumberBrokerNodes' },
    EnhancedMonitoring: { Ref: 'MonitoringLevel' },
    BrokerNodeGroupInfo: {
      InstanceType: { Ref: 'BrokerInstanceType' },
      ClientSubnets: [{ Ref: 'BrokerSubnet1' }, { Ref: 'BrokerSubnet2' }, { Ref: 'BrokerSubnet3' }],
      StorageInfo: { EBSStorageInfo: { VolumeSize: { Ref: 'EbsVolumeSize' } } },
    },
    EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
    LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: Match.anyValue() } } },
    OpenMonitoring: { Prometheus: { JmxExporter: { EnabledInBroker: true }, NodeExporter: { EnabledInBroker: true } } },
  });
  const [, cluster] = onlyResource(json, 'AWS::MSK::Cluster');
  const auth = JSON.stringify(cluster.Properties?.['ClientAuthentication']);
  for (const part of ['"Iam":{"Enabled":true}', '"Scram":{"Enabled":true}', '"Unauthenticated":{"Enabled":true}']) assert.ok(auth.includes(part), part);
});

test('the brokers\' security group opens only the chosen access control\'s port (9098 IAM, 9096 SCRAM, 9094 TLS), to itself and the client', () => {
  const ingress = resourcesOf(json, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties ?? {});
  const kafka = ingress.filter((r) => typeof r['FromPort'] === 'object');
  assert.equal(kafka.length, 2);
  for (const rule of kafka) {
    assert.deepEqual(rule['FromPort'], rule['ToPort']);
    const port = JSON.stringify(rule['FromPort']);
    for (const n of ['9098', '9096', '9094']) assert.ok(port.includes(n), n);
    assert.ok(rule['SourceSecurityGroupId'] !== undefined && rule['CidrIp'] === undefined);
  }
  const prometheus = ingress.filter((r) => r['FromPort'] === 11001);
  assert.equal(prometheus.length, 1);
  assert.equal(prometheus[0]?.['ToPort'], 11002);
  assert.ok(!ingress.some((r) => r['FromPort'] === 22 || r['CidrIp'] !== undefined), 'no SSH, no CIDR rules');
});

test('SCRAM on or off: key, secret, association, client permission and output exist only under the SASL/SCRAM condition', () => {
  const [conditionId, expression] = Object.entries(json.Conditions).find(([, c]) => JSON.stringify(c).includes('SASL/SCRAM')) ?? [];
  assert.ok(conditionId !== undefined);
  assert.deepEqual(expression, { 'Fn::Equals': [{ Ref: 'AccessControl' }, 'SASL/SCRAM'] });
  for (const type of ['AWS::KMS::Key', 'AWS::SecretsManager::Secret', 'AWS::MSK::BatchScramSecret']) assert.equal(onlyResource(json, type)[1].Condition, conditionId, type);
  template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: { 'Fn::Join': ['', ['AmazonMSK_', { Ref: 'ClusterName' }]] } });
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  const scramPolicies = resourcesOf(json, 'AWS::IAM::Policy').filter(([, r]) => r.Condition === conditionId);
  assert.equal(scramPolicies.length, 1);
  assert.equal(json.Outputs['ScramSecretArn']?.Condition, conditionId);
});

test('the client: Amazon Linux 2023 from SSM, IMDSv2 required, encrypted volume, no key pair, detailed monitoring', () => {
  const [, instance] = onlyResource(json, 'AWS::EC2::Instance');
  const props = instance.Properties ?? {};
  assert.deepEqual(props['ImageId'], { Ref: 'ClientAmiId' });
  assert.equal(props['KeyName'], undefined);
  assert.equal(props['Monitoring'], true);
  assert.deepEqual((props['BlockDeviceMappings'] as { Ebs: { Encrypted: boolean } }[])[0]?.Ebs.Encrypted, true);
  template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
});

test('the client\'s user data installs the Kafka tools of the cluster\'s version line, the IAM auth library, Node.js 22 and sds, and writes three properties files', () => {
  const [, instance] = onlyResource(json, 'AWS::EC2::Instance');
  const parts = ((instance.Properties?.['UserData'] as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } })['Fn::Base64']['Fn::Join'][1]);
  const script = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
  assert.ok(script.startsWith('#!/bin/bash'));
  assert.ok(script.includes(`kafka_version='{"Ref":"KafkaVersion"}'`));
  for (const [line, release] of Object.entries(KAFKA_CLIENT_RELEASES)) assert.ok(script.includes(`${line}.*) release=${release} ;;`), line);
  for (const needle of ['java-17-amazon-corretto-headless', 'nodejs22', 'aws-msk-iam-auth', 'sha512sum', 'npm ci --omit=dev', '/usr/local/bin/sds', 'client-tls.properties', 'client-scram.properties', 'client-iam.properties', 'AWS_MSK_IAM', 'SCRAM-SHA-512']) {
    assert.ok(script.includes(needle), needle);
  }
});

test('IAM: the client\'s statements are scoped to the cluster, its topics and groups, and the sds bundle object', () => {
  const statements = policyStatements(json);
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
  assert.deepEqual(bySid('ClusterInfo')?.Resource, { 'Fn::GetAtt': [onlyResource(json, 'AWS::MSK::Cluster')[0], 'Arn'] });
  for (const sid of ['Topics', 'Groups']) {
    const text = JSON.stringify(bySid(sid)?.Resource);
    assert.ok(text.includes('Fn::GetAtt') && text.includes(sid === 'Topics' ? ':topic/' : ':group/'), sid);
  }
  assert.ok(!actionsOf(bySid('Topics') ?? { Action: [] }).some((a) => a.includes('*')));
  assert.ok(JSON.stringify(bySid('SdsBundle')?.Resource).includes('.zip'));
  // The only Resource "*" is Session Manager's, whose actions have no resource-level permissions.
  const unscoped = statements.filter((s) => s.Resource === '*');
  assert.deepEqual(unscoped.map((s) => s.Sid), ['SessionManager']);
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } } })]) },
  });
});

test('the dashboard: the original widgets from SEARCH expressions, the 100% disk line, and consumer lag; no custom resource', () => {
  const { expressions, metricNames } = dashboardMetrics(json);
  for (const metric of ['CpuUser', 'KafkaDataLogsDiskUsed', 'MessagesInPerSec', 'UnderReplicatedPartitions', 'BytesInPerSec', 'BytesOutPerSec', 'NetworkRxPackets', 'NetworkTxPackets', 'NetworkRxErrors', 'NetworkTxErrors']) {
    assert.ok(expressions.some((e) => e.startsWith('SEARCH(\'{AWS/Kafka,"Broker ID","Cluster Name"}') && e.includes(`MetricName="${metric}"`)), metric);
  }
  for (const metric of ['MaxOffsetLag', 'SumOffsetLag', 'EstimatedMaxTimeLag']) {
    assert.ok(expressions.some((e) => e.includes('"Consumer Group",Topic}') && e.includes(`MetricName="${metric}"`)), metric);
  }
  for (const metric of ['GlobalPartitionCount', 'GlobalTopicCount', 'OfflinePartitionsCount']) assert.ok(metricNames.includes(metric), metric);
  const disk = dashboardBody(json).widgets.find((w) => JSON.stringify(w.properties).includes('KafkaDataLogsDiskUsed'));
  assert.deepEqual((disk?.properties['annotations'] as { horizontal: { value: number }[] }).horizontal[0]?.value, 100);
  assert.equal(resourcesOf(json, 'AWS::CloudFormation::CustomResource').length + resourcesOf(json, 'AWS::Lambda::Function').length, 0);
});

test('outputs: cluster ARN, client instance, bootstrap brokers command, dashboard name', () => {
  assert.deepEqual(Object.keys(json.Outputs).sort(), ['BootstrapBrokersCommand', 'ClientInstanceId', 'CloudWatchDashboardName', 'MskClusterArn', 'ScramSecretArn']);
});
