/**
 * DescribeUserScramCredentials: v0.
 * Behaviour: as Kafka's KRaft broker (KafkaApis, ScramImage.describe). Needs DESCRIBE on the
 * cluster, else CLUSTER_AUTHORIZATION_FAILED at the top and on one result per user asked for
 * (with an empty name, as Kafka's error response has). No users (null or empty) lists every
 * user with credentials; named users are answered once each, in the order first asked: a user
 * without credentials gets RESOURCE_NOT_FOUND, a user asked twice DUPLICATE_RESOURCE. Each
 * result lists mechanisms (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) and iterations, never salts or keys.
 * Known gaps: none.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeUserScramCredentialsResponse } from '../../protocol/generated/describe-user-scram-credentials.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { clusterAllowed } from '../security/authorize.ts';
import { SCRAM_MECHANISM_TYPES } from '../security/scram.ts';

export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx): Loose<DescribeUserScramCredentialsResponse> {
    const asked = request.users ?? [];
    if (!clusterAllowed(ctx, 'DESCRIBE')) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        results: asked.map(() => ({ user: '', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, credentialInfos: [] })),
      };
    }
    const store = ctx.broker.security.scram;
    const all = store.list();
    const infos = new Map(all.map((u) => [u.user, u.credentials.map((c) => ({ mechanism: SCRAM_MECHANISM_TYPES[c.mechanism], iterations: c.iterations }))]));
    // user -> asked more than once
    const users = new Map<string, boolean>();
    if (asked.length === 0) for (const u of all) users.set(u.user, false);
    else for (const { name } of asked) users.set(name, users.has(name));
    const results = [...users].map(([user, duplicate]) => {
      if (duplicate) {
        return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
      }
      const credentialInfos = infos.get(user);
      if (credentialInfos === undefined) {
        return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
      }
      return { user, errorCode: ErrorCode.NONE, errorMessage: '', credentialInfos };
    });
    // Kafka leaves the messages at their default, "", when all is well.
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: '', results };
  },
});
