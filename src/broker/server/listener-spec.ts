/**
 * A broker listener as Kafka writes one in `listeners`: `PROTOCOL://host:port`, where the
 * protocol is one of Kafka's security protocols. Amazon MSK's ports are 9092 (plaintext),
 * 9094 (TLS), 9096 (SASL/SCRAM) and 9098 (IAM).
 */
import { SdsError } from '../../errors.ts';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface ListenerOptions {
  readonly protocol: SecurityProtocol;
  /** Interface to listen on (default: the broker's host). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Host name given to clients in metadata (default: host, or localhost for a wildcard address). */
  readonly advertisedHost?: string;
  /** Port given to clients in metadata (default: the bound port). */
  readonly advertisedPort?: number;
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** Parses `PROTOCOL://host:port` (IPv6 hosts in brackets; an empty host means every interface). */
export function parseListener(text: string): ListenerOptions {
  const m = /^([A-Za-z_]+):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]*):(\d{1,5})$/.exec(text.trim());
  if (m === null) {
    throw new SdsError('SDS_ERR_BROKER_LISTENER', `listener "${text}" is not PROTOCOL://host:port (for example SASL_SSL://127.0.0.1:9096)`);
  }
  const protocol = (m[1] as string).toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new SdsError('SDS_ERR_BROKER_LISTENER', `listener "${text}": the protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const port = Number(m[3]);
  if (port > 65535) throw new SdsError('SDS_ERR_BROKER_LISTENER', `listener "${text}": port ${port} is above 65535`);
  const rawHost = m[2] as string;
  const host = rawHost === '' ? '0.0.0.0' : rawHost.replace(/^\[(.*)\]$/, '$1');
  return { protocol: protocol as SecurityProtocol, host, port };
}

/** Problems with a set of listeners: one port per listener, TLS material where needed. */
export function listenerProblems(listeners: readonly ListenerOptions[], hasTls: boolean): string[] {
  const problems: string[] = [];
  if (listeners.length === 0) problems.push('at least one listener is needed');
  const seen = new Map<string, number>();
  listeners.forEach((l, i) => {
    const key = `${l.host ?? ''}:${l.port}`;
    if (l.port !== 0 && seen.has(key)) problems.push(`listener ${i + 1} uses the same address as listener ${(seen.get(key) ?? 0) + 1} (${key})`);
    seen.set(key, i);
    if (usesTls(l.protocol) && !hasTls) problems.push(`listener ${i + 1} (${l.protocol}) needs TLS: give a certificate and key (sds certs create makes a development set)`);
  });
  return problems;
}
