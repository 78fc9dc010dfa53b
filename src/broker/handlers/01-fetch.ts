/**
 * Fetch: v4-17. v13+ names topics by id (UNKNOWN_TOPIC_ID when unknown), older versions by
 * name. Serving v13+ is not only for Java 4.x consumers: @platformatic/kafka 1.35 writes the
 * topic id's text where v12 wants the name, so it can only consume through v13+.
 * Behaviour: serves whole batches as stored on disk, never re-encoded, from the batch that
 * holds the fetch offset, up to the durable end of the log (the high watermark). Limits:
 * partition_max_bytes per partition and max_bytes in all, itself capped by the broker's
 * fetch.max.bytes (55 MiB, Kafka's default); the first batch of the first
 * partition with data is returned whole even above the limits (KIP-74), so a consumer never
 * stalls on a large batch. Long poll: with fewer than min_bytes available the fetch waits
 * for new data up to max_wait_ms. No fetch sessions: session id 0 means "full fetch" to
 * clients, so every response carries exactly the requested partitions.
 * Errors: unknown topic/partition UNKNOWN_TOPIC_OR_PARTITION; offsets outside
 * [log start, high watermark] OFFSET_OUT_OF_RANGE; a leader epoch newer than ours (0)
 * UNKNOWN_LEADER_EPOCH.
 * Authorization (with an authorizer, as KafkaApis): a consumer needs READ on each topic, else
 * its partitions answer TOPIC_AUTHORIZATION_FAILED (an unknown topic id stays UNKNOWN_TOPIC_ID,
 * ids not being secret); a fetch with a replica id (a follower) needs CLUSTER_ACTION on the
 * cluster, else every partition answers TOPIC_AUTHORIZATION_FAILED.
 * Metrics: the record bytes of each response sent count toward the topic's BytesOutPerSec.
 * Known gaps: read_committed is served as read_uncommitted (no transactions yet).
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { FetchRequest, FetchRequestFetchPartition, FetchResponse, FetchResponsePartitionData } from '../../protocol/generated/fetch.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { checker, clusterAllowed, enforcing } from '../security/authorize.ts';

type PartitionAnswer = Loose<FetchResponsePartitionData>;

const TOPIC_IDS_FROM_VERSION = 13;

/** A long poll never waits longer than this, whatever the client asks. */
const MAX_WAIT_CAP_MS = 30_000;

export const fetchHandler = defineHandler({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(request, ctx): Promise<Loose<FetchResponse>> {
    const deadline = Date.now() + Math.min(Math.max(request.maxWaitMs, 0), MAX_WAIT_CAP_MS);
    for (;;) {
      const { responses, bytes, failed } = await readAll(request, ctx);
      const remaining = deadline - Date.now();
      if (bytes >= request.minBytes || failed || remaining <= 0 || ctx.broker.partitions.isClosing()) {
        if (bytes > 0) countBytesOut(request, responses, ctx);
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
      }
      await ctx.broker.partitions.waitForAppend(remaining);
    }
  },
});

async function readAll(request: FetchRequest, ctx: RequestContext) {
  let budget = Math.min(request.maxBytes, ctx.broker.config.fetchMaxBytes);
  let bytes = 0;
  let failed = false;
  let first = true;
  const responses = [];
  const byId = ctx.version >= TOPIC_IDS_FROM_VERSION;
  const mayRead = readCheck(request, ctx);
  for (const t of request.topics) {
    const topic = byId ? ctx.broker.topics.getById(t.topicId) : ctx.broker.topics.get(t.topic);
    const unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    // By id an unknown topic has no name to authorize: UNKNOWN_TOPIC_ID comes first, as in Kafka.
    const name = byId ? topic?.name : t.topic;
    const denied = name !== undefined && !mayRead(name);
    const partitions: PartitionAnswer[] = [];
    for (const p of t.partitions) {
      const answer = denied ? emptyAnswer(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED) : await readPartition(topic?.name, unknown, p, Math.min(budget, p.partitionMaxBytes), first, ctx);
      const size = answer.records?.length ?? 0;
      if (answer.errorCode !== ErrorCode.NONE) failed = true;
      if (size > 0) first = false;
      budget = Math.max(0, budget - size);
      bytes += size;
      partitions.push(answer);
    }
    responses.push(byId ? { topicId: t.topicId, partitions } : { topic: t.topic, partitions });
  }
  return { responses, bytes, failed };
}

/** Kafka's rule: followers (replica id >= 0) need CLUSTER_ACTION, consumers READ on each topic. */
function readCheck(request: FetchRequest, ctx: RequestContext): (topic: string) => boolean {
  if (!enforcing(ctx)) return () => true;
  const replicaId = ctx.version >= 15 ? request.replicaState.replicaId : request.replicaId;
  if (replicaId >= 0) {
    const ok = clusterAllowed(ctx, 'CLUSTER_ACTION');
    return () => ok;
  }
  return checker(ctx, 'READ', 'TOPIC');
}

function emptyAnswer(partitionIndex: number, errorCode: number): PartitionAnswer {
  return { partitionIndex, abortedTransactions: null, preferredReadReplica: -1, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null };
}

/** BytesOutPerSec: the record bytes of the response that is sent, per topic (not of reads a long poll discarded). */
function countBytesOut(request: FetchRequest, responses: readonly { partitions: readonly PartitionAnswer[] }[], ctx: RequestContext): void {
  const byId = ctx.version >= TOPIC_IDS_FROM_VERSION;
  for (let i = 0; i < responses.length; i++) {
    let bytes = 0;
    for (const p of (responses[i] as { partitions: readonly PartitionAnswer[] }).partitions) bytes += p.records?.length ?? 0;
    const t = request.topics[i];
    if (bytes === 0 || t === undefined) continue;
    const name = byId ? ctx.broker.topics.getById(t.topicId)?.name : t.topic;
    if (name !== undefined) ctx.broker.metrics.fetched(name, bytes);
  }
}

async function readPartition(
  topic: string | undefined,
  unknownError: number,
  p: FetchRequestFetchPartition,
  maxBytes: number,
  minOneMessage: boolean,
  ctx: RequestContext,
): Promise<PartitionAnswer> {
  const log = topic === undefined ? undefined : ctx.broker.partitions.get(topic, p.partition);
  const base = { partitionIndex: p.partition, abortedTransactions: null, preferredReadReplica: -1 };
  if (!log) return emptyAnswer(p.partition, unknownError);
  const offsets = { highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset };
  if (p.currentLeaderEpoch > 0) return { ...base, ...offsets, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, records: null };
  const read = await log.read(p.fetchOffset, maxBytes, { minOneMessage });
  if (read.error === 'OFFSET_OUT_OF_RANGE') return { ...base, ...offsets, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: null };
  return { ...base, ...offsets, errorCode: ErrorCode.NONE, records: read.records };
}
