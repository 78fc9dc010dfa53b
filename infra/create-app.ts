/**
 * The CDK app: the three patterns' stacks, each deployable on its own, with cdk-nag's AWS
 * Solutions checks on every stack. `cdk.json` runs infra/app.ts; tests call createApp directly.
 */
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_SUBNET_COUNT } from './constructs/msk-options.ts';
import { assertNoProblems } from './constructs/validation.ts';
import { MskLambdaKdfStack } from './stacks/msk-lambda-kdf-stack.ts';
import { MskLambdaStack } from './stacks/msk-lambda-stack.ts';
import { MskStandaloneStack } from './stacks/msk-standalone-stack.ts';

/**
 * Feature flags of current CDK behaviour this app relies on. They live here, not only in cdk.json,
 * so that the tests' apps synthesize exactly what `cdk synth` does.
 */
export const FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  '@aws-cdk/aws-iam:standardizedServicePrincipals': true,
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
  '@aws-cdk/core:validateSnapshotRemovalPolicy': true,
};

export interface SdsApp {
  readonly app: App;
  readonly standalone: MskStandaloneStack;
  readonly lambda: MskLambdaStack;
  readonly lambdaKdf: MskLambdaKdfStack;
}

/** Reads `-c subnetCount=2`: how many subnet parameters MskStandalone has (2 or 3). */
function subnetCountFromContext(app: App): number {
  const raw: unknown = app.node.tryGetContext('subnetCount');
  if (raw === undefined) return DEFAULT_SUBNET_COUNT;
  const value = typeof raw === 'number' ? raw : Number(raw);
  assertNoProblems('context', Number.isInteger(value) ? [] : [`subnetCount: expected 2 or 3, got ${JSON.stringify(raw)}`]);
  return value;
}

export function createApp(props: AppProps = {}): SdsApp {
  const app = new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
  const standalone = new MskStandaloneStack(app, 'MskStandalone', { subnetCount: subnetCountFromContext(app) });
  const lambda = new MskLambdaStack(app, 'MskLambda');
  const lambdaKdf = new MskLambdaKdfStack(app, 'MskLambdaKdf');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, standalone, lambda, lambdaKdf };
}
