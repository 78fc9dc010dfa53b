/**
 * Kafka's ACL model: a binding is a resource pattern (type, name, LITERAL or PREFIXED) plus an
 * entry (principal, host, operation, ALLOW or DENY). Filters are the same shape with ANY,
 * MATCH and null ("any value") allowed, as DescribeAcls and DeleteAcls send them. The wire
 * codes are Kafka's (ResourceType, PatternType, AclOperation, AclPermissionType); a code Kafka
 * does not define reads as UNKNOWN, as Kafka's `fromCode` does.
 */
import type { ResourceType } from './types.ts';

/** Indexed by wire code. */
export const RESOURCE_TYPE_NAMES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const;
export const PATTERN_TYPE_NAMES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
export const OPERATION_NAMES = [
  'UNKNOWN',
  'ANY',
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
  'CREATE_TOKENS',
  'DESCRIBE_TOKENS',
  // KIP-939 (two-phase commit, with InitProducerId v6 in Kafka 4.1): stored and listed like any
  // operation; nothing here asks for it, as the broker does not serve 2PC.
  'TWO_PHASE_COMMIT',
] as const;
export const PERMISSION_TYPE_NAMES = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

export type ResourceTypeName = (typeof RESOURCE_TYPE_NAMES)[number];
export type PatternTypeName = (typeof PATTERN_TYPE_NAMES)[number];
export type OperationName = (typeof OPERATION_NAMES)[number];
export type PermissionTypeName = (typeof PERMISSION_TYPE_NAMES)[number];

/** The pattern types a stored ACL may have. */
export type PatternType = 'LITERAL' | 'PREFIXED';
/** The operations a stored ACL may name: every AclOperation, plus those no handler asks for. */
export type StoredOperation = Exclude<OperationName, 'UNKNOWN' | 'ANY'>;
export type PermissionType = 'ALLOW' | 'DENY';

/** The resource name of the one CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A LITERAL ACL with this name applies to every resource of its type. */
export const WILDCARD_RESOURCE = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';

/** One ACL, as stored and enforced. */
export interface AclBinding {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  readonly principal: string;
  readonly host: string;
  readonly operation: StoredOperation;
  readonly permissionType: PermissionType;
}

/** A binding as a client sent it for creation: any enum value, still to be validated. */
export interface AclBindingInput {
  readonly resourceType: ResourceTypeName;
  readonly resourceName: string;
  readonly patternType: PatternTypeName;
  readonly principal: string;
  readonly host: string;
  readonly operation: OperationName;
  readonly permissionType: PermissionTypeName;
}

/** Selects ACLs: null strings and ANY match everything; MATCH selects what would apply to the name. */
export interface AclBindingFilter {
  readonly resourceType: ResourceTypeName;
  readonly resourceName: string | null;
  readonly patternType: PatternTypeName;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: OperationName;
  readonly permissionType: PermissionTypeName;
}

export const MATCH_ALL_FILTER: AclBindingFilter = {
  resourceType: 'ANY',
  resourceName: null,
  patternType: 'ANY',
  principal: null,
  host: null,
  operation: 'ANY',
  permissionType: 'ANY',
};

function nameOf<T extends string>(names: readonly T[], code: number): T {
  // Kafka's fromCode: a code it does not define is UNKNOWN (index 0).
  return names[code] ?? (names[0] as T);
}

export const resourceTypeName = (code: number): ResourceTypeName => nameOf(RESOURCE_TYPE_NAMES, code);
export const patternTypeName = (code: number): PatternTypeName => nameOf(PATTERN_TYPE_NAMES, code);
export const operationName = (code: number): OperationName => nameOf(OPERATION_NAMES, code);
export const permissionTypeName = (code: number): PermissionTypeName => nameOf(PERMISSION_TYPE_NAMES, code);

export const resourceTypeCode = (name: ResourceTypeName): number => RESOURCE_TYPE_NAMES.indexOf(name);
export const patternTypeCode = (name: PatternTypeName): number => PATTERN_TYPE_NAMES.indexOf(name);
export const operationCode = (name: OperationName): number => OPERATION_NAMES.indexOf(name);
export const permissionTypeCode = (name: PermissionTypeName): number => PERMISSION_TYPE_NAMES.indexOf(name);

/** What a request carries for one binding or filter, by wire code. */
export interface AclCodes {
  readonly resourceType: number;
  readonly patternType: number;
  readonly operation: number;
  readonly permissionType: number;
}

/**
 * Kafka refuses to parse an ACL request with a field set to UNKNOWN (code 0), and closes the
 * connection; this names the first such field, or undefined.
 */
export function explicitUnknownField(codes: AclCodes): string | undefined {
  if (codes.patternType === 0) return 'pattern type';
  if (codes.resourceType === 0) return 'resource type';
  if (codes.operation === 0) return 'operation';
  if (codes.permissionType === 0) return 'permission type';
  return undefined;
}

/**
 * Checks a binding to create, in the order and with the messages Kafka uses (AclApis, then
 * AclControlManager.validateNewAcl). Answers the binding, or why it is refused (INVALID_REQUEST).
 */
export function checkNewBinding(input: AclBindingInput): { binding: AclBinding } | { problem: string } {
  const { resourceType, resourceName, patternType, principal, host, operation, permissionType } = input;
  if (resourceType === 'CLUSTER' && resourceName !== CLUSTER_NAME) return { problem: `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}` };
  if (resourceName === '') return { problem: 'Invalid empty resource name' };
  if (resourceType === 'UNKNOWN' || resourceType === 'ANY') return { problem: `Invalid resourceType ${resourceType}` };
  if (patternType !== 'LITERAL' && patternType !== 'PREFIXED') return { problem: `Invalid patternType ${patternType}` };
  if (operation === 'UNKNOWN' || operation === 'ANY') return { problem: `Invalid operation ${operation}` };
  if (permissionType !== 'ALLOW' && permissionType !== 'DENY') return { problem: `Invalid permissionType ${permissionType}` };
  if (!principal.includes(':')) {
    return { problem: `Could not parse principal from \`${principal}\` (no colon is present separating the principal type from the principal name)` };
  }
  return { binding: { resourceType, resourceName, patternType, principal, host, operation, permissionType } };
}

/** Kafka's AclControlManager.validateFilter: why DeleteAcls refuses a filter, or undefined. */
export function deleteFilterProblem(filter: AclBindingFilter): string | undefined {
  if (filter.resourceType === 'UNKNOWN' || filter.patternType === 'UNKNOWN') return 'Unknown patternFilter.';
  if (filter.operation === 'UNKNOWN' || filter.permissionType === 'UNKNOWN') return 'Unknown entryFilter.';
  return undefined;
}

/** Kafka's ResourcePatternFilter.matches and AccessControlEntryFilter.matches together. */
export function filterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== 'ANY' && filter.resourceType !== acl.resourceType) return false;
  const pattern = filter.patternType;
  if (pattern !== 'ANY' && pattern !== 'MATCH' && pattern !== acl.patternType) return false;
  if (filter.resourceName !== null) {
    if (pattern === 'ANY' || pattern === acl.patternType) {
      if (filter.resourceName !== acl.resourceName) return false;
    } else if (acl.patternType === 'LITERAL') {
      if (filter.resourceName !== acl.resourceName && acl.resourceName !== WILDCARD_RESOURCE) return false;
    } else if (!filter.resourceName.startsWith(acl.resourceName)) {
      return false;
    }
  }
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== 'ANY' && filter.operation !== acl.operation) return false;
  return filter.permissionType === 'ANY' || filter.permissionType === acl.permissionType;
}

/** A key that is equal exactly for equal bindings (JSON keeps the fields apart whatever they contain). */
export function bindingKey(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.patternType, b.operation, b.permissionType, b.resourceName, b.principal, b.host]);
}

/** The operations Kafka reports as authorized operations, per resource type (AclEntry.supportedOperations). */
export const SUPPORTED_OPERATIONS: Readonly<Record<ResourceType, readonly StoredOperation[]>> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  CLUSTER: ['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE', 'TWO_PHASE_COMMIT'],
  DELEGATION_TOKEN: ['DESCRIBE'],
  USER: ['CREATE_TOKENS', 'DESCRIBE_TOKENS'],
};

/** Kafka's Utils.to32BitField of operation codes. */
export function operationsBitfield(operations: readonly StoredOperation[]): number {
  let bits = 0;
  for (const op of operations) bits |= 1 << operationCode(op);
  return bits;
}

/** DescribeAcls' grouping: one entry per resource pattern, each with its ACL entries. */
export interface AclResourceGroup {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  readonly entries: readonly Pick<AclBinding, 'principal' | 'host' | 'operation' | 'permissionType'>[];
}

export function groupByResource(acls: readonly AclBinding[]): AclResourceGroup[] {
  const groups = new Map<string, { resourceType: ResourceType; resourceName: string; patternType: PatternType; entries: AclBinding[] }>();
  for (const acl of acls) {
    const key = JSON.stringify([acl.resourceType, acl.patternType, acl.resourceName]);
    let g = groups.get(key);
    if (g === undefined) {
      g = { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, entries: [] };
      groups.set(key, g);
    }
    g.entries.push(acl);
  }
  return [...groups.values()].map((g) => ({
    resourceType: g.resourceType,
    resourceName: g.resourceName,
    patternType: g.patternType,
    entries: g.entries.map((e) => ({ principal: e.principal, host: e.host, operation: e.operation, permissionType: e.permissionType })),
  }));
}

/** The filter fields DescribeAcls and DeleteAcls share on the wire. */
export interface WireAclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

export function filterFromWire(f: WireAclFilter): AclBindingFilter {
  return {
    resourceType: resourceTypeName(f.resourceTypeFilter),
    resourceName: f.resourceNameFilter,
    patternType: patternTypeName(f.patternTypeFilter),
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: operationName(f.operation),
    permissionType: permissionTypeName(f.permissionType),
  };
}

export function wireFilterCodes(f: WireAclFilter): AclCodes {
  return { resourceType: f.resourceTypeFilter, patternType: f.patternTypeFilter, operation: f.operation, permissionType: f.permissionType };
}
