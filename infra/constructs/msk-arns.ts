/**
 * ARNs of a cluster's topics and groups, derived from the cluster's ARN at deploy time:
 * `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>` becomes
 * `...:topic/<name>/<uuid>/<topic>` (groups and transactional ids alike), so IAM statements name
 * the cluster's own resources even though its UUID is only known once it exists.
 */
import { Fn } from 'aws-cdk-lib';

export type MskResourceType = 'topic' | 'group' | 'transactional-id';

export function mskResourceArn(clusterArn: string, type: MskResourceType, name: string): string {
  const parts = Fn.split(':cluster/', clusterArn, 2);
  return Fn.join('', [Fn.select(0, parts), `:${type}/`, Fn.select(1, parts), '/', name]);
}

/** The cluster's name: the ARN's resource part is `cluster/<name>/<uuid>`. */
export function mskClusterName(clusterArn: string): string {
  return Fn.select(1, Fn.split('/', clusterArn, 3));
}
