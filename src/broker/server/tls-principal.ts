/**
 * The principal of a TLS client certificate, as Kafka's default principal builder names it:
 * `User:` followed by the subject's distinguished name in RFC 2253 form, most specific part
 * first (`User:CN=alice,O=Example`). Amazon MSK names mutual-TLS clients the same way.
 */
import type { TLSSocket } from 'node:tls';
import { ANONYMOUS, type Principal } from '../security/types.ts';

/** Characters RFC 2253 escapes with a backslash inside an attribute value. */
const SPECIAL = /[,+"\\<>;]/g;

/** Node writes a subject as one `TYPE=value` line per attribute, least specific first. */
export function principalFromSubject(subject: string): Principal {
  const parts = subject
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const eq = line.indexOf('=');
      const value = line.slice(eq + 1).replace(SPECIAL, (c) => `\\${c}`);
      return `${line.slice(0, eq)}=${value.replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ')}`;
    });
  return parts.length === 0 ? ANONYMOUS : `User:${parts.reverse().join(',')}`;
}

/** ANONYMOUS unless the client presented a certificate the broker trusts. */
export function tlsPrincipal(socket: TLSSocket): Principal {
  if (!socket.authorized) return ANONYMOUS;
  const cert = socket.getPeerX509Certificate();
  return cert === undefined ? ANONYMOUS : principalFromSubject(cert.subject);
}
