/** `sds cluster describe`: cluster id, brokers, controller, topic and partition counts, bootstrap strings. */
import type { Command } from 'commander';
import { withAdmin } from '../client/clients.ts';
import { describeCluster, type ClusterDescription } from '../client/cluster.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';

export function formatCluster(c: ClusterDescription): string {
  const lines = [
    `Cluster id:  ${c.clusterId}`,
    `Controller:  ${c.controllerId}`,
    `Topics:      ${c.topicCount}`,
    `Partitions:  ${c.partitionCount}`,
    'Brokers:',
    ...c.brokers.map((b) => `  ${b.nodeId}  ${b.host}:${b.port}${b.rack !== null ? `  rack ${b.rack}` : ''}`),
    'Bootstrap brokers:',
    ...Object.entries(c.bootstrap).map(([listener, servers]) => `  ${listener}  ${servers}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('what the Kafka cluster says about itself');
  addConnectionOptions(cluster.command('describe').description('cluster id, brokers, controller, topic and partition counts, bootstrap brokers'))
    .option('--json', 'print JSON')
    .action(async (flags: ConnectionFlags & { json?: boolean }) => {
      const connection = connectionFrom(flags);
      const described = await withAdmin(connection, 'describing the cluster', (admin) => describeCluster(admin, connection));
      process.stdout.write(flags.json === true ? `${JSON.stringify(described, null, 2)}\n` : formatCluster(described));
    });
}
