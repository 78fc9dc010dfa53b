/**
 * The broker's security model, as Kafka names it: who a connection is (a principal such as
 * `User:alice`), what it may do (operations on resources, decided by the authorizer), and the
 * SCRAM credentials users log in with.
 */

/** `User:<name>`: from SASL, from a client certificate's subject, or `User:ANONYMOUS`. */
export type Principal = string;

/** The principal of a connection that did not authenticate (PLAINTEXT and SSL without a client certificate). */
export const ANONYMOUS: Principal = 'User:ANONYMOUS';

/** Who sent a request, as the authorizer sees it. */
export interface Session {
  readonly principal: Principal;
  /** The client's IP address, for ACLs that name a host. */
  readonly clientHost: string;
}

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** What RFC 5802 has the server keep: never the password. */
export interface ScramCredential {
  readonly mechanism: ScramMechanism;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** Kafka's ACL resource types (the names kafka-acls prints). */
export type ResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'DELEGATION_TOKEN' | 'USER';

/** Kafka's ACL operations. */
export type AclOperation =
  | 'ALL'
  | 'READ'
  | 'WRITE'
  | 'CREATE'
  | 'DELETE'
  | 'ALTER'
  | 'DESCRIBE'
  | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS'
  | 'ALTER_CONFIGS'
  | 'IDEMPOTENT_WRITE'
  | 'CREATE_TOKENS'
  | 'DESCRIBE_TOKENS';

/** Decides whether a session may perform an operation on a resource. */
export interface Authorizer {
  /** False when no authorizer is configured: everything is allowed, as in Kafka without authorizer.class.name. */
  readonly enabled: boolean;
  authorize(session: Session, operation: AclOperation, resourceType: ResourceType, resourceName: string): boolean;
}
