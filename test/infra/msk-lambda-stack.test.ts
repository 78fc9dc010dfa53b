import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { MAPPING_LIMITS, parseMappingSettings } from '../../src/runtime/event-source/settings.ts';
import { MskLambdaStack } from '../../infra/stacks/msk-lambda-stack.ts';
import { actionsOf, appWithChecks, dashboardMetrics, onlyResource, policyStatements, resourcesOf, synth } from './helpers.ts';

const { template, json } = synth(new MskLambdaStack(appWithChecks(), 'MskLambda'));

test('the function: our msk-consumer handler bundled as ESM, Node.js 22, its own log group', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Runtime: 'nodejs22.x',
    Timeout: 60,
    MemorySize: 256,
    LoggingConfig: { LogGroup: Match.anyValue() },
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
});

test('parameters: CreateEventSourceMapping\'s names with the local validator\'s ranges and defaults', () => {
  const p = json.Parameters;
  assert.deepEqual([p['BatchSize']?.MinValue, p['BatchSize']?.MaxValue, p['BatchSize']?.Default], [MAPPING_LIMITS.BatchSize.min, MAPPING_LIMITS.BatchSize.max, MAPPING_LIMITS.BatchSize.default]);
  assert.deepEqual(p['StartingPosition']?.AllowedValues, ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP']);
  assert.equal(p['StartingPosition']?.Default, 'LATEST');
  assert.equal(p['MaximumBatchingWindowInSeconds']?.Default, '');
  assert.equal(p['ConsumerGroupId']?.Default, 'MskLambda-consumer');
  assert.equal(p['TopicName']?.Default, undefined, 'the topic is required at deployment');
  for (const id of ['ClusterArn', 'TopicName', 'ScramCredentialsArn', 'ScramCredentialsKmsArn']) assert.ok(p[id] !== undefined, id);
});

test('MaximumBatchingWindowInSeconds\' pattern accepts exactly what parseMappingSettings accepts (0-300, or empty for the default)', () => {
  const pattern = new RegExp(json.Parameters['MaximumBatchingWindowInSeconds']?.AllowedPattern ?? '');
  assert.ok(pattern.test(''));
  for (let n = -5; n <= 305; n++) {
    let valid = true;
    try {
      parseMappingSettings({ Topics: ['t'], StartingPosition: 'LATEST', MaximumBatchingWindowInSeconds: n });
    } catch {
      valid = false;
    }
    assert.equal(pattern.test(String(n)), valid, String(n));
  }
  assert.ok(!pattern.test('007') && !pattern.test('1.5'));
});

test('the event source mapping: cluster, topic, batch size, window, starting position and group from the parameters; SCRAM only with a secret', () => {
  const [, mapping] = onlyResource(json, 'AWS::Lambda::EventSourceMapping');
  const p = mapping.Properties ?? {};
  assert.deepEqual(p['EventSourceArn'], { Ref: 'ClusterArn' });
  assert.deepEqual(p['Topics'], [{ Ref: 'TopicName' }]);
  assert.deepEqual(p['BatchSize'], { Ref: 'BatchSize' });
  assert.deepEqual(p['StartingPosition'], { Ref: 'StartingPosition' });
  assert.deepEqual(p['AmazonManagedKafkaEventSourceConfig'], { ConsumerGroupId: { Ref: 'ConsumerGroupId' } });
  assert.ok(JSON.stringify(p['MaximumBatchingWindowInSeconds']).includes('AWS::NoValue'));
  const scram = JSON.stringify(p['SourceAccessConfigurations']);
  assert.ok(scram.includes('SASL_SCRAM_512_AUTH') && scram.includes('"Ref":"ScramCredentialsArn"') && scram.includes('AWS::NoValue'));
  assert.deepEqual(json.Conditions['UsesScram'], { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ScramCredentialsArn' }, ''] }] });
  assert.ok(json.Rules?.['ScramNeedsKey'] !== undefined && json.Rules['TimestampNeedsTime'] !== undefined);
  // Created after its permissions, which Lambda checks when the mapping is created.
  const [policyId] = onlyResource(json, 'AWS::IAM::Policy');
  assert.ok([mapping.DependsOn].flat().includes(policyId));
});

test('IAM: topic and group ARNs derived from the cluster ARN; only EC2 network actions on "*"; SCRAM statements conditional', () => {
  const statements = policyStatements(json);
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
  const topic = JSON.stringify(bySid('Topic')?.Resource);
  assert.ok(topic.includes(':topic/') && topic.includes('"Ref":"TopicName"') && topic.includes('"Ref":"ClusterArn"') && !topic.includes('*'));
  const group = JSON.stringify(bySid('Group')?.Resource);
  assert.ok(group.includes(':group/') && group.includes('"Ref":"ConsumerGroupId"') && !group.includes('*'));
  assert.deepEqual(bySid('Cluster')?.Resource, { Ref: 'ClusterArn' });
  assert.deepEqual(bySid('ClusterInfo')?.Resource, { Ref: 'ClusterArn' });
  assert.deepEqual(statements.filter((s) => s.Resource === '*').map((s) => s.Sid), ['Network']);
  assert.ok(actionsOf(bySid('Network') ?? { Action: [] }).every((a) => a.startsWith('ec2:')));
  assert.ok(statements.every((s) => actionsOf(s).every((a) => !a.includes('*'))), 'no wildcard actions');
  const [, policy] = onlyResource(json, 'AWS::IAM::Policy');
  const conditional = (policy.Properties?.['PolicyDocument'] as { Statement: unknown[] }).Statement.filter((s) => JSON.stringify(s).startsWith('{"Fn::If":["UsesScram"'));
  assert.equal(conditional.length, 2);
  assert.deepEqual(bySid('ScramSecret')?.Resource, { Ref: 'ScramCredentialsArn' });
  assert.deepEqual(bySid('ScramKey')?.Resource, { Ref: 'ScramCredentialsKmsArn' });
  assert.equal(resourcesOf(json, 'AWS::IAM::ManagedPolicy').length, 0);
  template.resourceCountIs('AWS::IAM::Role', 1);
  template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
});

test('the dashboard: invocations, errors, duration, offset lag of the function, and the group\'s MSK lag metrics', () => {
  const { expressions, metricNames } = dashboardMetrics(json);
  for (const metric of ['Invocations', 'Errors', 'Duration', 'OffsetLag']) assert.ok(metricNames.includes(metric), metric);
  for (const metric of ['MaxOffsetLag', 'SumOffsetLag', 'EstimatedMaxTimeLag']) assert.ok(expressions.some((e) => e.includes(`MetricName="${metric}"`) && e.includes('"Consumer Group"=')), metric);
});

test('outputs: function, mapping, consumer group, dashboard', () => {
  assert.deepEqual(Object.keys(json.Outputs).sort(), ['CloudWatchDashboardName', 'ConsumerGroup', 'EventSourceMappingId', 'LambdaFunctionName']);
});
