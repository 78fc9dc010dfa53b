/**
 * The API versions the capture server advertises: the "Advertise" column of
 * ../shared/reference/kafka-api-matrix.md, section 2, so that each client picks the versions
 * it would pick against our broker. Produce starts at 0 on purpose (KAFKA-18659: librdkafka
 * 2.0.x sends gzip/snappy/lz4 uncompressed when the Produce minimum is above 0).
 * FindCoordinator is 0-4 (the matrix allows 0-6); optional keys (OffsetForLeaderEpoch,
 * DescribeCluster, DescribeProducers) and the ones to omit are left out.
 */
export interface AdvertisedRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export const ADVERTISED: readonly AdvertisedRange[] = [
  { apiKey: 0, minVersion: 0, maxVersion: 11 }, // Produce
  { apiKey: 1, minVersion: 4, maxVersion: 12 }, // Fetch
  { apiKey: 2, minVersion: 1, maxVersion: 9 }, // ListOffsets
  { apiKey: 3, minVersion: 0, maxVersion: 12 }, // Metadata
  { apiKey: 8, minVersion: 2, maxVersion: 9 }, // OffsetCommit
  { apiKey: 9, minVersion: 1, maxVersion: 9 }, // OffsetFetch
  { apiKey: 10, minVersion: 0, maxVersion: 4 }, // FindCoordinator
  { apiKey: 11, minVersion: 0, maxVersion: 9 }, // JoinGroup
  { apiKey: 12, minVersion: 0, maxVersion: 4 }, // Heartbeat
  { apiKey: 13, minVersion: 0, maxVersion: 5 }, // LeaveGroup
  { apiKey: 14, minVersion: 0, maxVersion: 5 }, // SyncGroup
  { apiKey: 15, minVersion: 0, maxVersion: 5 }, // DescribeGroups
  { apiKey: 16, minVersion: 0, maxVersion: 5 }, // ListGroups
  { apiKey: 17, minVersion: 0, maxVersion: 1 }, // SaslHandshake
  { apiKey: 18, minVersion: 0, maxVersion: 4 }, // ApiVersions
  { apiKey: 19, minVersion: 2, maxVersion: 7 }, // CreateTopics
  { apiKey: 20, minVersion: 1, maxVersion: 6 }, // DeleteTopics
  { apiKey: 21, minVersion: 0, maxVersion: 2 }, // DeleteRecords
  { apiKey: 22, minVersion: 0, maxVersion: 5 }, // InitProducerId
  { apiKey: 32, minVersion: 1, maxVersion: 4 }, // DescribeConfigs
  { apiKey: 33, minVersion: 0, maxVersion: 2 }, // AlterConfigs
  { apiKey: 36, minVersion: 0, maxVersion: 2 }, // SaslAuthenticate
  { apiKey: 37, minVersion: 0, maxVersion: 3 }, // CreatePartitions
  { apiKey: 42, minVersion: 0, maxVersion: 2 }, // DeleteGroups
  { apiKey: 44, minVersion: 0, maxVersion: 1 }, // IncrementalAlterConfigs
];

export function advertisedRange(apiKey: number): AdvertisedRange | undefined {
  return ADVERTISED.find((r) => r.apiKey === apiKey);
}
