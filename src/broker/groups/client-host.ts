/**
 * The client's address in Kafka's form ("/127.0.0.1"), for DescribeGroups. The request context
 * carries no socket; the connection's child logger carries `remote` ("host:port"), so it is
 * read from there.
 */
import type { Logger } from '../../logging.ts';

export function clientHost(logger: Logger): string {
  const remote: unknown = logger.bindings()['remote'];
  if (typeof remote !== 'string') return '';
  const host = remote.replace(/:[^:]*$/, '').replace(/^::ffff:/, '');
  return `/${host}`;
}
