/**
 * The broker's security state, opened with the broker: SCRAM credentials and the ACL
 * authorizer, both kept in `<dataDir>/security/`.
 */
import type { Logger } from '../../logging.ts';
import { AclAuthorizer } from './acl-authorizer.ts';
import { ScramCredentialStore } from './scram-credentials.ts';

export interface AuthorizerOptions {
  /** super.users: principals allowed everything, e.g. ["User:admin"]. */
  readonly superUsers?: readonly string[];
  /** allow.everyone.if.no.acl.found: true by default, as on Amazon MSK. */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

export interface BrokerSecurity {
  readonly authorizer: AclAuthorizer;
  readonly scram: ScramCredentialStore;
}

/** Opens the credential store and the authorizer; ACLs are enforced only when `authorizer` is given. */
export async function openSecurity(dataDir: string, authorizer: AuthorizerOptions | undefined, logger: Logger): Promise<BrokerSecurity> {
  const scram = await ScramCredentialStore.open(dataDir);
  const acls = await AclAuthorizer.open(
    dataDir,
    {
      enabled: authorizer !== undefined,
      superUsers: authorizer?.superUsers ?? [],
      allowEveryoneIfNoAclFound: authorizer?.allowEveryoneIfNoAclFound ?? true,
    },
    logger,
  );
  return { authorizer: acls, scram };
}
