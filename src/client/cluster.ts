/**
 * What a cluster says about itself over the Kafka protocol: the local equivalent of
 * `aws kafka describe-cluster` and `get-bootstrap-brokers`.
 */
import type { Admin } from '@platformatic/kafka';
import type { Connection } from './connection.ts';

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number; readonly rack: string | null }[];
  readonly topicCount: number;
  readonly partitionCount: number;
  /** Bootstrap strings by listener; Kafka tells a client only about the listener it connected to. */
  readonly bootstrap: Readonly<Record<string, string>>;
}

export async function describeCluster(admin: Admin, connection: Connection): Promise<ClusterDescription> {
  const topics = await admin.listTopics({ includeInternals: true });
  const metadata = await admin.metadata({ topics, forceUpdate: true });
  const brokers = [...metadata.brokers.entries()]
    .map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port, rack: b.rack ?? null }))
    .sort((a, b) => a.nodeId - b.nodeId);
  // A topic deleted between the listing and the metadata call has no entry (or an empty one).
  const described = [...metadata.topics.values()].filter((t): t is NonNullable<typeof t> => t !== undefined && t !== null);
  const partitionCount = described.reduce((n, t) => n + t.partitionsCount, 0);
  return {
    clusterId: metadata.id,
    controllerId: metadata.controllerId,
    brokers,
    topicCount: described.length,
    partitionCount,
    bootstrap: { [connection.securityProtocol]: brokers.map((b) => `${b.host}:${b.port}`).join(',') },
  };
}
