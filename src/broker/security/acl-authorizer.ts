/**
 * Kafka's StandardAuthorizer on the embedded broker. A request is allowed when a super user
 * sent it, or when an ALLOW ACL matches and no DENY ACL does. An ACL matches when its resource
 * pattern does (LITERAL: the same name, or the wildcard `*`; PREFIXED: a prefix of the name),
 * its principal does (the same, or `User:*`), its host does (the same, or `*`), and its
 * operation does (the same, or ALL; an ALLOW of READ, WRITE, DELETE or ALTER also allows
 * DESCRIBE, and an ALLOW of ALTER_CONFIGS also allows DESCRIBE_CONFIGS). When no ACL at all
 * names the resource (for any principal), allow.everyone.if.no.acl.found decides.
 *
 * ACLs live in memory, indexed by resource type and name, and in `<dataDir>/security/acls.json`
 * (acl-store.ts). Changes are applied one at a time: the new set is written to disk first and
 * only then enforced, so an answered CreateAcls or DeleteAcls survives a crash.
 */
import type { Logger } from '../../logging.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import {
  SUPPORTED_OPERATIONS,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
  bindingKey,
  checkNewBinding,
  deleteFilterProblem,
  filterMatches,
  operationsBitfield,
  type AclBinding,
  type AclBindingFilter,
  type AclBindingInput,
  type StoredOperation,
} from './acl-model.ts';
import { MAX_ACL_FILE_BYTES, aclFilePath, readAclFile, serializeAcls, writeAclFile } from './acl-store.ts';
import type { AclOperation, Authorizer, ResourceType, Session } from './types.ts';

export interface AclAuthorizerOptions {
  /** False: no authorizer is configured; everything is allowed and the ACL APIs answer SECURITY_DISABLED. */
  readonly enabled: boolean;
  readonly superUsers: readonly string[];
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** A Kafka error for one binding or filter; NONE with a null message when it succeeded. */
export interface AclError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface AclDeleteResult extends AclError {
  /** The ACLs the filter matched, now deleted. */
  readonly deleted: readonly AclBinding[];
}

const OK: AclError = { errorCode: ErrorCode.NONE, errorMessage: null };

const IMPLIES_DESCRIBE: ReadonlySet<string> = new Set<AclOperation>(['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER']);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<string> = new Set<AclOperation>(['DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);

const NO_MATCH = 0;
const ALLOWS = 1;
const DENIES = 2;
type Verdict = typeof NO_MATCH | typeof ALLOWS | typeof DENIES;

/** The ACLs of one resource type, by pattern. */
interface TypeIndex {
  /** LITERAL ACLs by resource name; the wildcard `*` is one of the names. */
  readonly literal: Map<string, AclBinding[]>;
  readonly prefixed: Map<string, AclBinding[]>;
  /** The distinct lengths of the prefixes, ascending: a name is looked up once per length, not once per ACL. */
  prefixLengths: number[];
}

export class AclAuthorizer implements Authorizer {
  readonly enabled: boolean;
  private readonly superUsers: ReadonlySet<string>;
  private readonly allowEveryoneIfNoAclFound: boolean;
  private readonly path: string;
  private readonly logger: Logger;
  private acls: readonly AclBinding[] = [];
  private keys = new Set<string>();
  private index = new Map<ResourceType, TypeIndex>();
  /** Changes run one after another, each from the state the previous one left. */
  private changing: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, options: AclAuthorizerOptions, logger: Logger) {
    this.enabled = options.enabled;
    this.superUsers = new Set(options.superUsers);
    this.allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound;
    this.path = aclFilePath(dataDir);
    this.logger = logger.child({ component: 'authorizer' });
  }

  /** Loads the stored ACLs when enabled (without an authorizer the file is neither read nor written). */
  static async open(dataDir: string, options: AclAuthorizerOptions, logger: Logger): Promise<AclAuthorizer> {
    const authorizer = new AclAuthorizer(dataDir, options, logger);
    if (options.enabled) {
      authorizer.install(await readAclFile(authorizer.path));
      authorizer.logger.info(
        { acls: authorizer.acls.length, superUsers: options.superUsers, allowEveryoneIfNoAclFound: options.allowEveryoneIfNoAclFound },
        'ACL authorizer enabled',
      );
    }
    return authorizer;
  }

  /** How many ACLs are enforced. */
  get size(): number {
    return this.acls.length;
  }

  /** Takes any stored operation, not only those handlers ask for, so authorized-operation bitfields can list them all. */
  authorize(session: Session, operation: StoredOperation, resourceType: ResourceType, resourceName: string): boolean {
    if (!this.enabled || this.superUsers.has(session.principal)) return true;
    const index = this.index.get(resourceType);
    if (index === undefined) return this.allowEveryoneIfNoAclFound;
    const principal = session.principal;
    const host = plainHost(session.clientHost);
    let found = false;
    let allowed = false;
    const exact = index.literal.get(resourceName);
    if (exact !== undefined) {
      found = true;
      const v = scan(exact, principal, host, operation);
      if (v === DENIES) return false;
      if (v === ALLOWS) allowed = true;
    }
    const lengths = index.prefixLengths;
    for (let i = 0; i < lengths.length; i++) {
      const length = lengths[i] as number;
      if (length > resourceName.length) break;
      const acls = index.prefixed.get(length === resourceName.length ? resourceName : resourceName.slice(0, length));
      if (acls === undefined) continue;
      found = true;
      const v = scan(acls, principal, host, operation);
      if (v === DENIES) return false;
      if (v === ALLOWS) allowed = true;
    }
    if (resourceName !== WILDCARD_RESOURCE) {
      const wildcard = index.literal.get(WILDCARD_RESOURCE);
      if (wildcard !== undefined) {
        found = true;
        const v = scan(wildcard, principal, host, operation);
        if (v === DENIES) return false;
        if (v === ALLOWS) allowed = true;
      }
    }
    return allowed || (!found && this.allowEveryoneIfNoAclFound);
  }

  /**
   * Kafka's authorizeByResourceType: may the session perform the operation on at least one
   * resource of the type? (InitProducerId asks it of WRITE on topics.) Implied operations do
   * not count here, as in Kafka.
   */
  authorizeAny(session: Session, operation: AclOperation, resourceType: ResourceType): boolean {
    if (!this.enabled) return true;
    // As Kafka: a made-up name lets super users, and the no-ACL default, through first.
    if (this.authorize(session, operation, resourceType, 'hardcode')) return true;
    const index = this.index.get(resourceType);
    if (index === undefined) return false;
    const host = plainHost(session.clientHost);
    const denyLiteral = new Set<string>();
    const denyPrefixed = new Set<string>();
    const allowLiteral: string[] = [];
    const allowPrefixed: string[] = [];
    let wildcardAllow = false;
    const visit = (acl: AclBinding): boolean => {
      if (acl.host !== WILDCARD_HOST && acl.host !== host) return false;
      if (acl.principal !== session.principal && acl.principal !== WILDCARD_PRINCIPAL) return false;
      if (acl.operation !== operation && acl.operation !== 'ALL') return false;
      const wildcard = acl.patternType === 'LITERAL' && acl.resourceName === WILDCARD_RESOURCE;
      if (acl.permissionType === 'DENY') {
        if (wildcard) return true;
        (acl.patternType === 'LITERAL' ? denyLiteral : denyPrefixed).add(acl.resourceName);
      } else if (wildcard) wildcardAllow = true;
      else (acl.patternType === 'LITERAL' ? allowLiteral : allowPrefixed).push(acl.resourceName);
      return false;
    };
    for (const list of [index.literal, index.prefixed]) {
      for (const acls of list.values()) for (const acl of acls) if (visit(acl)) return false;
    }
    if (wildcardAllow) return true;
    const deniedByPrefix = (name: string): boolean => {
      for (const prefix of denyPrefixed) if (name.startsWith(prefix)) return true;
      return false;
    };
    return allowLiteral.some((name) => !denyLiteral.has(name) && !deniedByPrefix(name)) || allowPrefixed.some((name) => !deniedByPrefix(name));
  }

  /** Kafka's authorized-operations bitfield of a resource (every supported operation without an authorizer). */
  authorizedOperations(session: Session, resourceType: ResourceType, resourceName: string): number {
    const supported = SUPPORTED_OPERATIONS[resourceType];
    if (!this.enabled) return operationsBitfield(supported);
    return operationsBitfield(supported.filter((op) => this.authorize(session, op, resourceType, resourceName)));
  }

  /** ACLs matching the filter, in the order they were created. */
  describe(filter: AclBindingFilter): AclBinding[] {
    return this.acls.filter((acl) => filterMatches(filter, acl));
  }

  /**
   * Creates ACLs; one result per input, in order. An ACL that exists already succeeds without
   * a second copy, as in Kafka. Answers once the new set is on disk.
   */
  create(inputs: readonly AclBindingInput[]): Promise<AclError[]> {
    return this.change(() => {
      const results: AclError[] = [];
      const added: AclBinding[] = [];
      const addedIndexes: number[] = [];
      const keys = new Set(this.keys);
      inputs.forEach((input, i) => {
        const checked = checkNewBinding(input);
        if ('problem' in checked) {
          results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: checked.problem });
          return;
        }
        results.push(OK);
        const key = bindingKey(checked.binding);
        if (keys.has(key)) return;
        keys.add(key);
        added.push(checked.binding);
        addedIndexes.push(i);
      });
      if (added.length === 0) return { results };
      const next = [...this.acls, ...added];
      const text = serializeAcls(next);
      if (Buffer.byteLength(text) > MAX_ACL_FILE_BYTES) {
        const full: AclError = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `The broker's ACL file would grow above ${MAX_ACL_FILE_BYTES} bytes; delete unused ACLs first.` };
        for (const i of addedIndexes) results[i] = full;
        return { results };
      }
      return {
        results,
        next,
        text,
        log: () => {
          for (const acl of added) this.logger.info({ acl }, 'ACL created');
        },
      };
    });
  }

  /**
   * Deletes the ACLs each filter matches; one result per filter, listing what it matched (an
   * ACL two filters match is listed by both). Answers once the new set is on disk.
   */
  delete(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    return this.change(() => {
      const removed = new Set<AclBinding>();
      const results = filters.map((filter): AclDeleteResult => {
        const problem = deleteFilterProblem(filter);
        if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, deleted: [] };
        const deleted = this.acls.filter((acl) => filterMatches(filter, acl));
        for (const acl of deleted) removed.add(acl);
        return { ...OK, deleted };
      });
      if (removed.size === 0) return { results };
      const next = this.acls.filter((acl) => !removed.has(acl));
      return {
        results,
        next,
        text: serializeAcls(next),
        log: () => {
          for (const acl of removed) this.logger.info({ acl }, 'ACL deleted');
        },
      };
    });
  }

  /** Runs one change after the previous ones: compute, write the new set, then enforce it. */
  private change<R>(compute: () => { results: R; next?: readonly AclBinding[]; text?: string; log?: () => void }): Promise<R> {
    const run = this.changing.then(async () => {
      const plan = compute();
      if (plan.next !== undefined && plan.text !== undefined) {
        await writeAclFile(this.path, plan.text);
        this.install(plan.next);
        plan.log?.();
      }
      return plan.results;
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  private install(acls: readonly AclBinding[]): void {
    const index = new Map<ResourceType, TypeIndex>();
    const keys = new Set<string>();
    for (const acl of acls) {
      keys.add(bindingKey(acl));
      let t = index.get(acl.resourceType);
      if (t === undefined) {
        t = { literal: new Map(), prefixed: new Map(), prefixLengths: [] };
        index.set(acl.resourceType, t);
      }
      const byName = acl.patternType === 'LITERAL' ? t.literal : t.prefixed;
      const list = byName.get(acl.resourceName);
      if (list === undefined) byName.set(acl.resourceName, [acl]);
      else list.push(acl);
    }
    for (const t of index.values()) t.prefixLengths = [...new Set([...t.prefixed.keys()].map((p) => p.length))].sort((a, b) => a - b);
    this.acls = acls;
    this.keys = keys;
    this.index = index;
  }
}

/** The first DENY wins; otherwise ALLOWS when an ALLOW matched. */
function scan(acls: readonly AclBinding[], principal: string, host: string, operation: StoredOperation): Verdict {
  let verdict: Verdict = NO_MATCH;
  for (let i = 0; i < acls.length; i++) {
    const v = match(acls[i] as AclBinding, principal, host, operation);
    if (v === DENIES) return DENIES;
    if (v === ALLOWS) verdict = ALLOWS;
  }
  return verdict;
}

/** Kafka's StandardAuthorizerData.findResult, the resource name being known to match. */
function match(acl: AclBinding, principal: string, host: string, operation: StoredOperation): Verdict {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return NO_MATCH;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return NO_MATCH;
  if (acl.operation !== 'ALL') {
    if (acl.permissionType === 'ALLOW') {
      if (operation === 'DESCRIBE') {
        if (!IMPLIES_DESCRIBE.has(acl.operation)) return NO_MATCH;
      } else if (operation === 'DESCRIBE_CONFIGS') {
        if (!IMPLIES_DESCRIBE_CONFIGS.has(acl.operation)) return NO_MATCH;
      } else if (operation !== acl.operation) return NO_MATCH;
    } else if (operation !== acl.operation) return NO_MATCH;
  }
  return acl.permissionType === 'ALLOW' ? ALLOWS : DENIES;
}

/**
 * Node reports IPv4 clients of a dual-stack socket as `::ffff:a.b.c.d`; Kafka's host ACLs name
 * them `a.b.c.d` (Java's getHostAddress), so that is the form compared.
 */
function plainHost(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
