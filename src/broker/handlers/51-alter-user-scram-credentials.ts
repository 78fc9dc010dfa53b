/**
 * AlterUserScramCredentials: v0.
 * Behaviour: as Kafka's KRaft controller (ControllerApis, ScramControlManager.alterCredentials).
 * Needs ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for every user named (once
 * each, sorted). Upsertions carry a salt and a salted password (the client salts the password);
 * the broker keeps StoredKey and ServerKey. One result per user: a user named more than once
 * (deletions and upsertions together) gets DUPLICATE_RESOURCE, unless an earlier entry already
 * failed; an empty user name or iterations outside 4096-16384 UNACCEPTABLE_CREDENTIAL, a mechanism
 * other than 1 (SCRAM-SHA-256) or 2 (SCRAM-SHA-512) UNSUPPORTED_SASL_MECHANISM, deleting a
 * credential that does not exist RESOURCE_NOT_FOUND. The accepted changes are written together.
 * Results list deletions, then upsertions, then failures. Sessions already logged in stay so.
 * Differences from Kafka: a salt over 1024 bytes, or a change that would grow the credentials
 * file past what the broker reads at start (16 MiB), is UNACCEPTABLE_CREDENTIAL.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type {
  AlterUserScramCredentialsResponse,
  AlterUserScramCredentialsRequestScramCredentialDeletion as Deletion,
  AlterUserScramCredentialsRequestScramCredentialUpsertion as Upsertion,
} from '../../protocol/generated/alter-user-scram-credentials.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { SdsError } from '../../errors.ts';
import { clusterAllowed } from '../security/authorize.ts';
import { credentialFromSaltedPassword, scramMechanismOfType, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS } from '../security/scram.ts';
import { MAX_SCRAM_SALT_BYTES, type ScramCredentialStore } from '../security/scram-credentials.ts';
import type { ScramMechanism } from '../security/types.ts';

interface Problem {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const DUPLICATE: Problem = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' };

function nameAndMechanism(name: string, type: number): Problem | ScramMechanism {
  if (name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  return scramMechanismOfType(type) ?? { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
}

function deletionProblem(d: Deletion, store: ScramCredentialStore): Problem | undefined {
  const mechanism = nameAndMechanism(d.name, d.mechanism);
  if (typeof mechanism !== 'string') return mechanism;
  if (store.get(d.name, mechanism) === undefined) return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' };
  return undefined;
}

function upsertionProblem(u: Upsertion): Problem | undefined {
  const mechanism = nameAndMechanism(u.name, u.mechanism);
  if (typeof mechanism !== 'string') return mechanism;
  if (u.iterations < SCRAM_MIN_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
  if (u.iterations > SCRAM_MAX_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
  if (u.salt.length > MAX_SCRAM_SALT_BYTES) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: `Salt is longer than ${MAX_SCRAM_SALT_BYTES} bytes` };
  return undefined;
}

export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx): Promise<Loose<AlterUserScramCredentialsResponse>> {
    if (!clusterAllowed(ctx, 'ALTER')) {
      const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])].sort();
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const store = ctx.broker.security.scram;
    // One entry per user: a second entry for a user turns the first into DUPLICATE_RESOURCE.
    const deletions = new Map<string, Deletion>();
    const upsertions = new Map<string, Upsertion>();
    const failures = new Map<string, Problem>();
    for (const d of request.deletions) {
      if (failures.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        failures.set(d.name, DUPLICATE);
        continue;
      }
      const problem = deletionProblem(d, store);
      if (problem !== undefined) failures.set(d.name, problem);
      else deletions.set(d.name, d);
    }
    for (const u of request.upsertions) {
      if (failures.has(u.name)) continue;
      if (deletions.delete(u.name) || upsertions.delete(u.name)) {
        failures.set(u.name, DUPLICATE);
        continue;
      }
      const problem = upsertionProblem(u);
      if (problem !== undefined) failures.set(u.name, problem);
      else upsertions.set(u.name, u);
    }
    const mechanismOf = (type: number): ScramMechanism => scramMechanismOfType(type) as ScramMechanism;
    try {
      await store.alter({
        deletions: [...deletions.values()].map((d) => ({ user: d.name, mechanism: mechanismOf(d.mechanism) })),
        upsertions: [...upsertions.values()].map((u) => ({
          user: u.name,
          credential: credentialFromSaltedPassword(mechanismOf(u.mechanism), u.salt, u.saltedPassword, u.iterations),
        })),
      });
    } catch (e: unknown) {
      if (!(e instanceof SdsError) || e.code !== 'SDS_ERR_SCRAM_STORE_FULL') throw e;
      ctx.logger.warn({ err: e }, 'SCRAM credentials not changed: the store is full');
      const full: Problem = { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'The broker\'s SCRAM credential store is full; delete unused users first' };
      for (const user of [...deletions.keys(), ...upsertions.keys()]) failures.set(user, full);
      deletions.clear();
      upsertions.clear();
    }
    const by = ctx.session.principal;
    for (const d of deletions.values()) ctx.logger.info({ user: d.name, mechanism: mechanismOf(d.mechanism), by }, 'deleted SCRAM credential');
    for (const u of upsertions.values()) ctx.logger.info({ user: u.name, mechanism: mechanismOf(u.mechanism), iterations: u.iterations, by }, 'stored SCRAM credential');
    const ok = (user: string) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null });
    return {
      throttleTimeMs: 0,
      results: [
        ...[...deletions.keys()].map(ok),
        ...[...upsertions.keys()].map(ok),
        ...[...failures].map(([user, p]) => ({ user, errorCode: p.errorCode, errorMessage: p.errorMessage })),
      ],
    };
  },
});
