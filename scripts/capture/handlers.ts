/**
 * Just enough broker behaviour for real clients to make progress against the capture server:
 * one node (id 1, itself), every requested topic exists with one partition, produce succeeds,
 * fetches come back empty, the group has a single member that is its own leader.
 * Responses are encoded with our codec, so a client that chokes on one is a finding too.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Loose } from '../../src/protocol/primitives/loose.ts';
import type { ApiKey, ApiRequestMap, ApiResponseMap } from '../../src/protocol/generated/apis.ts';
import type { RequestHeader } from '../../src/protocol/generated/request-header.ts';
import type { MetadataResponseTopic } from '../../src/protocol/generated/metadata.ts';
import { ADVERTISED } from './advertised.ts';

export const NODE_ID = 1;
export const CLUSTER_ID = 'capture-cluster-00000A';
export const PRODUCER_ID = 1000n;
/** Fetch waits at most this long, whatever maxWaitMs the client asks for. */
export const FETCH_WAIT_CAP_MS = 100;

const MEMBER_ID_REQUIRED = 79;

export interface CaptureState {
  /** Topics that "exist": every topic a client named in Metadata or CreateTopics. */
  readonly topics: Set<string>;
  nextMemberId: number;
}

export interface CaptureContext {
  readonly version: number;
  readonly header: RequestHeader;
  readonly host: string;
  readonly port: number;
  readonly state: CaptureState;
}

export type HandlerResult<K extends ApiKey> = Loose<ApiResponseMap[K]> | null;

/** Returns the response body, or null to send no response (Produce with acks=0). */
export type Handler<K extends ApiKey> = (
  request: ApiRequestMap[K],
  ctx: CaptureContext,
) => HandlerResult<K> | Promise<HandlerResult<K>>;

export type Handlers = { [P in ApiKey]?: Handler<P> };

/** A stable, non-zero topic id (22-character base64url UUID) derived from the name. */
export function topicId(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  return bytes.toString('base64url');
}

function newMemberId(ctx: CaptureContext): string {
  ctx.state.nextMemberId += 1;
  const client = ctx.header.clientId ?? 'client';
  return `${client}-member-${ctx.state.nextMemberId}`;
}

function topicMetadata(name: string): Loose<MetadataResponseTopic> {
  return {
    errorCode: 0,
    name,
    topicId: topicId(name),
    isInternal: false,
    partitions: [
      {
        errorCode: 0,
        partitionIndex: 0,
        leaderId: NODE_ID,
        leaderEpoch: 0,
        replicaNodes: [NODE_ID],
        isrNodes: [NODE_ID],
        offlineReplicas: [],
      },
    ],
  };
}

export const HANDLERS: Handlers = {
  18: () => ({
    errorCode: 0,
    apiKeys: ADVERTISED.map((r) => ({ apiKey: r.apiKey, minVersion: r.minVersion, maxVersion: r.maxVersion })),
  }),

  3: (req, ctx) => {
    // v0: an empty list means every topic; v1+: null means every topic.
    const all = req.topics === null || (ctx.version === 0 && req.topics.length === 0);
    const requested = all ? [] : (req.topics ?? []).map((t) => t.name).filter((n): n is string => n !== null);
    for (const name of requested) ctx.state.topics.add(name);
    const names = all ? [...ctx.state.topics] : requested;
    return {
      brokers: [{ nodeId: NODE_ID, host: ctx.host, port: ctx.port, rack: null }],
      clusterId: CLUSTER_ID,
      controllerId: NODE_ID,
      topics: names.map(topicMetadata),
    };
  },

  0: (req) => {
    if (req.acks === 0) return null;
    return {
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({
          index: p.index,
          errorCode: 0,
          baseOffset: 0n,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
        })),
      })),
    };
  },

  1: async (req) => {
    await delay(Math.max(0, Math.min(req.maxWaitMs, FETCH_WAIT_CAP_MS)));
    return {
      errorCode: 0,
      sessionId: 0,
      responses: req.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark: 0n,
          lastStableOffset: 0n,
          logStartOffset: 0n,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: Buffer.alloc(0),
        })),
      })),
    };
  },

  2: (req, ctx) => ({
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: 0,
        timestamp: -1n,
        offset: 0n,
        // LeaderEpoch exists from v4 and may not be dropped.
        ...(ctx.version >= 4 ? { leaderEpoch: 0 } : {}),
      })),
    })),
  }),

  10: (req, ctx) => {
    if (ctx.version >= 4) {
      return {
        coordinators: req.coordinatorKeys.map((key) => ({
          key,
          nodeId: NODE_ID,
          host: ctx.host,
          port: ctx.port,
          errorCode: 0,
          errorMessage: null,
        })),
      };
    }
    return { errorCode: 0, errorMessage: null, nodeId: NODE_ID, host: ctx.host, port: ctx.port };
  },

  11: (req, ctx) => {
    if (ctx.version >= 4 && req.memberId === '') {
      // KIP-394: the first join of a new member is answered with its id and this error.
      return { errorCode: MEMBER_ID_REQUIRED, generationId: -1, memberId: newMemberId(ctx), leader: '' };
    }
    const memberId = req.memberId === '' ? newMemberId(ctx) : req.memberId;
    const protocol = req.protocols[0];
    return {
      errorCode: 0,
      generationId: 1,
      protocolType: req.protocolType,
      protocolName: protocol?.name ?? null,
      leader: memberId,
      memberId,
      members: [
        {
          memberId,
          groupInstanceId: req.groupInstanceId,
          metadata: protocol?.metadata ?? Buffer.alloc(0),
        },
      ],
    };
  },

  14: (req) => {
    const own = req.assignments.find((a) => a.memberId === req.memberId);
    return {
      errorCode: 0,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignment: own?.assignment ?? Buffer.alloc(0),
    };
  },

  12: () => ({ errorCode: 0 }),

  13: (req) => ({
    errorCode: 0,
    members: req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 })),
  }),

  9: (req, ctx) => {
    const noOffset = (partitionIndex: number) => ({
      partitionIndex,
      committedOffset: -1n,
      committedLeaderEpoch: -1,
      metadata: '',
      errorCode: 0,
    });
    if (ctx.version >= 8) {
      return {
        groups: req.groups.map((g) => ({
          groupId: g.groupId,
          errorCode: 0,
          topics: (g.topics ?? []).map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitionIndexes.map(noOffset) })),
        })),
      };
    }
    return {
      errorCode: 0,
      topics: (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map(noOffset) })),
    };
  },

  8: (req) => ({
    topics: req.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
    })),
  }),

  22: () => ({ errorCode: 0, producerId: PRODUCER_ID, producerEpoch: 0 }),

  19: (req, ctx) => ({
    topics: req.topics.map((t) => {
      ctx.state.topics.add(t.name);
      return {
        name: t.name,
        topicId: topicId(t.name),
        errorCode: 0,
        errorMessage: null,
        // NumPartitions, ReplicationFactor and Configs exist from v5.
        ...(ctx.version >= 5 ? { numPartitions: 1, replicationFactor: 1, configs: [] } : {}),
      };
    }),
  }),
};
