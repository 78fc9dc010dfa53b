/**
 * Users the broker's configuration names, with passwords read from the environment or files:
 * created at start, or given the new password if it changed. A user whose password is
 * unchanged keeps its stored credential (same salt), so restarts rewrite nothing.
 */
import type { Logger } from '../../logging.ts';
import { DEFAULT_SCRAM_ITERATIONS, deriveScramCredential } from './scram.ts';
import type { ScramCredentialStore } from './scram-credentials.ts';
import { SCRAM_MECHANISMS, type ScramMechanism } from './types.ts';

export interface ConfiguredUser {
  readonly name: string;
  /** Never logged. */
  readonly password: string;
  /** Left out: both SCRAM-SHA-256 and SCRAM-SHA-512, so clients may use either. */
  readonly mechanisms?: readonly ScramMechanism[];
  readonly iterations?: number;
}

export async function ensureUsers(store: ScramCredentialStore, users: readonly ConfiguredUser[], logger: Logger): Promise<void> {
  for (const user of users) {
    for (const mechanism of user.mechanisms ?? SCRAM_MECHANISMS) {
      const iterations = user.iterations ?? DEFAULT_SCRAM_ITERATIONS;
      const existing = store.get(user.name, mechanism);
      if (existing !== undefined && existing.iterations === iterations) {
        const again = deriveScramCredential(mechanism, user.password, existing.iterations, existing.salt).credential;
        if (again.storedKey.equals(existing.storedKey)) continue;
      }
      await store.upsert(user.name, deriveScramCredential(mechanism, user.password, iterations).credential);
      logger.info({ user: user.name, mechanism }, existing === undefined ? 'created SCRAM user' : 'changed the password of SCRAM user');
    }
  }
}
