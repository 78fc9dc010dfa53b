import type { Loose } from '../../protocol/primitives/loose.ts';
import type { ApiKey, ApiRequestMap, ApiResponseMap } from '../../protocol/generated/apis.ts';
import type { RequestHeader } from '../../protocol/generated/request-header.ts';
import type { Logger } from '../../logging.ts';
import type { BrokerContext } from '../context.ts';
import type { Session } from '../security/types.ts';

/** What a handler knows about the request it answers. */
export interface RequestContext {
  readonly version: number;
  readonly header: RequestHeader;
  readonly connectionId: number;
  /** Who sent the request (principal and client address), for the authorizer. */
  readonly session: Session;
  /** The address clients reach this broker at on the listener the request came in on. */
  readonly endpoint: { readonly host: string; readonly port: number };
  readonly broker: BrokerContext;
  readonly logger: Logger;
}

/**
 * One Kafka API. `handle` answers with a response body (Kafka errors are data inside it),
 * or with `null` when the protocol sends nothing back (Produce with acks=0). A thrown
 * exception means a bug or an I/O failure: the connection is closed.
 */
export interface ApiHandler<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: ApiRequestMap[K], ctx: RequestContext): Promise<Loose<ApiResponseMap[K]> | null> | Loose<ApiResponseMap[K]> | null;
}

/** Identity helper that keeps the handler's API key type. */
export function defineHandler<K extends ApiKey>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler;
}

/**
 * Thrown by a handler when the protocol's answer is to close the connection (for example
 * an error on a Produce with acks=0, which has no response to carry it).
 */
export class CloseConnection extends Error {}
