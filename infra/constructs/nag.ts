/**
 * Acknowledging cdk-nag findings one by one. A wildcard-resource finding is named after the
 * resource as cdk-nag flattens it (intrinsics included), so the id is computed the same way
 * rather than copied from a synth log, and stays right when logical ids change.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledges AwsSolutions-IAM5 for exactly this resource (an ARN with a wildcard) on `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
