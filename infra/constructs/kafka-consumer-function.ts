/**
 * A Lambda function built from one of our handlers in src/functions (bundled by esbuild, no
 * Docker), consuming an MSK topic through an event source mapping. Its role may read that topic
 * with that group of that cluster, write its own log group, and with SASL/SCRAM read the secret.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, Fn, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { CfnPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, CfnEventSourceMapping, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { mskResourceArn } from './msk-arns.ts';
import type { KafkaConsumerParameters } from './kafka-consumer-parameters.ts';
import { assertNoProblems, functionProblems } from './validation.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface KafkaConsumerFunctionProps {
  /** The handler module, relative to the project root, such as `src/functions/msk-consumer/index.ts`. */
  readonly entry: string;
  /** The name of the function in the sds config's terms (used in problems). */
  readonly name: string;
  /** Seconds, 1-900. */
  readonly timeout: number;
  /** MB, 128-10240. */
  readonly memorySize: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly description: string;
  /** The event source mapping's settings, usually from kafkaConsumerParameters. */
  readonly source: KafkaConsumerParameters;
  /** How long the function's logs are kept. Default: one month. */
  readonly logRetention?: RetentionDays;
}

export class KafkaConsumerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly mapping: CfnEventSourceMapping;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: KafkaConsumerFunctionProps) {
    super(scope, id);
    const s = props.source;
    // The mapping's settings are parameters here (their defaults were checked where they were made).
    assertNoProblems(this.node.path, functionProblems(props.name, { entry: props.entry, timeout: props.timeout, memorySize: props.memorySize, environment: props.environment }, PROJECT_ROOT));

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `${props.name}: its log group, and reading one topic of one MSK cluster` });
    const clusterArn = s.clusterArn.valueAsString;
    const statements = [
      new PolicyStatement({ sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
      // Lambda's pollers find the brokers and attach network interfaces in the cluster's subnets.
      new PolicyStatement({ sid: 'ClusterInfo', actions: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resources: [clusterArn] }),
      new PolicyStatement({
        sid: 'Network',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
      }),
      // Used when the cluster authenticates with IAM.
      new PolicyStatement({ sid: 'Cluster', actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], resources: [clusterArn] }),
      new PolicyStatement({ sid: 'Topic', actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: [mskResourceArn(clusterArn, 'topic', s.topic.valueAsString)] }),
      new PolicyStatement({ sid: 'Group', actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resources: [mskResourceArn(clusterArn, 'group', s.groupId)] }),
    ];
    // With SASL/SCRAM only: the secret, and its key through Secrets Manager.
    const scramStatements = [
      new PolicyStatement({ sid: 'ScramSecret', actions: ['secretsmanager:GetSecretValue'], resources: [s.secretArn.valueAsString] }),
      new PolicyStatement({
        sid: 'ScramKey',
        actions: ['kms:Decrypt'],
        resources: [s.secretKeyArn.valueAsString],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
      }),
    ];
    // One policy with conditional statements, so the mapping can depend on it whether SCRAM is used or not.
    const policy = new CfnPolicy(this, 'Policy', {
      policyName: 'kafka-consumer',
      roles: [role.roleName],
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          ...statements.map((st) => st.toStatementJson() as unknown),
          ...scramStatements.map((st) => Fn.conditionIf(s.scram.logicalId, st.toStatementJson(), Aws.NO_VALUE)),
        ],
      },
    });
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:Describe* and the network interface actions Lambda needs for MSK event sources have no resource-level scoping that would know the interfaces in advance.' });

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: Duration.seconds(props.timeout),
      memorySize: props.memorySize,
      role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Bundle the AWS SDK too: the function runs the version the project is tested with.
        externalModules: [],
        // Bundled CommonJS dependencies call require(); ESM output needs it defined.
        banner: "import { createRequire as sdsCreateRequire } from 'node:module'; const require = sdsCreateRequire(import.meta.url);",
        forceDockerBundling: false,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the handlers are built and tested for (an LTS line Lambda supports); moving to a newer runtime is a deliberate, tested upgrade.',
    });

    this.mapping = new CfnEventSourceMapping(this, 'Mapping', {
      functionName: this.function.functionName,
      eventSourceArn: clusterArn,
      topics: [s.topic.valueAsString],
      batchSize: s.batchSize.valueAsNumber,
      maximumBatchingWindowInSeconds: Token.asNumber(Fn.conditionIf(s.hasBatchingWindow.logicalId, s.batchingWindow.valueAsString, Aws.NO_VALUE)),
      startingPosition: s.startingPosition.valueAsString,
      startingPositionTimestamp: Token.asNumber(Fn.conditionIf(s.atTimestamp.logicalId, s.startingPositionTimestamp.valueAsNumber, Aws.NO_VALUE)),
      amazonManagedKafkaEventSourceConfig: { consumerGroupId: s.groupId },
      sourceAccessConfigurations: Fn.conditionIf(s.scram.logicalId, [{ Type: 'SASL_SCRAM_512_AUTH', URI: s.secretArn.valueAsString }], Aws.NO_VALUE),
    });
    Validations.of(this.mapping).acknowledge({
      id: 'CloudFormation-Validate::W1030',
      reason: 'The empty default of ScramCredentialsArn is never used here: without a secret the property is AWS::NoValue.',
    });
    // The mapping checks its permissions when it is created.
    this.mapping.node.addDependency(policy);
  }
}
