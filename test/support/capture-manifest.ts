/**
 * The manifest written next to the captured request fixtures (test/fixtures/kafka/<client>/
 * manifest.json) by scripts/capture, and read by test/protocol/captured.test.ts. It says what
 * each fixture should contain, from what the capture script told the client to send (never
 * from the captured bytes themselves).
 */

/** Kafka API name in kebab case, as in fixture file names: ApiVersions -> api-versions. */
export function kebabName(apiName: string): string {
  return apiName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

/** Compression codec names, as in the RecordBatch attributes (bits 0-2). */
export type CodecName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const CODEC_IDS: Readonly<Record<CodecName, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** One record as the client was asked to send it; keys, values and header values as UTF-8. */
export interface ExpectedRecord {
  key: string | null;
  value: string | null;
  /** Header keys and values in the order given to the client; absent = no headers. */
  headers?: [string, string][];
}

/**
 * What a fixture must contain. Every field present is asserted by the test; the test fails on a
 * field it does not know how to check for the fixture's API, so nothing is silently skipped.
 */
export interface FixtureExpectation {
  /** Request header client id. */
  clientId?: string | null;
  /** ApiVersions v3+. */
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
  /** Metadata, CreateTopics: each of these topic names is in the request. */
  topics?: string[];
  /** Produce, Fetch, OffsetCommit, ListOffsets: the (single) topic and partition. */
  topic?: string;
  partition?: number;
  /** Produce. */
  acks?: number;
  transactionalId?: string | null;
  codec?: CodecName;
  /** Produce: the records of all batches of the partition, in order. */
  records?: ExpectedRecord[];
  /** Produce: the batch carries this producer id (idempotent producers), as a decimal string. */
  producerId?: string;
  /** Fetch. */
  fetchOffset?: string;
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** FindCoordinator (key, or one of the batched keys), JoinGroup, SyncGroup, OffsetCommit, OffsetFetch, Heartbeat, LeaveGroup. */
  groupId?: string;
  /** FindCoordinator: 0 = group, 1 = transaction. */
  keyType?: number;
  /** JoinGroup. */
  protocolType?: string;
  protocolName?: string;
  /** OffsetCommit: the committed offset, as a decimal string. */
  offset?: string;
}

export interface ManifestEntry {
  /** File name inside the client's fixture folder. */
  file: string;
  /** Kafka's API name, e.g. "Produce". */
  api: string;
  apiKey: number;
  version: number;
  /** True when this version uses the flexible encoding (compact fields, tagged fields, header v2). */
  flexible: boolean;
  expect: FixtureExpectation;
  /** Anything surprising about what the client sent, for humans. */
  note?: string;
}

export interface CaptureManifest {
  /** Folder name: kafkajs, platformatic or kcat. */
  client: string;
  /** The client software and version that produced the bytes. */
  clientVersion: string;
  /** How the bytes were produced (for humans). */
  description: string;
  fixtures: ManifestEntry[];
}
