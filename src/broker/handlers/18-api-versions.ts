/**
 * ApiVersions: v0-4.
 * Behaviour: lists exactly the APIs registered in the broker (never one it lacks). A request
 * at a version above 4 is answered, as Kafka does, with UNSUPPORTED_VERSION in the v0 form and
 * a single entry {18, 0, 4} so that the client retries with a version it can use (KIP-511).
 * v3+: ClientSoftwareName/Version must match Kafka's pattern, else INVALID_REQUEST.
 * Known gaps: no supported or finalized features are reported (single node, no KRaft).
 */
import { defineHandler } from './types.ts';
import type { HandlerRegistry } from './registry.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx): Loose<ApiVersionsResponse> {
    const apiKeys = ctx.broker.registry.advertised();
    if (ctx.version >= 3 && (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});

export function apiVersionsUnsupportedAnswer(registry: HandlerRegistry): Loose<ApiVersionsResponse> {
  const own = registry.advertised().find((a) => a.apiKey === 18);
  return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: own?.maxVersion ?? 0 }] };
}
