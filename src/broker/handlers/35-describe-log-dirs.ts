/**
 * DescribeLogDirs: v1-4.
 * Behaviour: one log directory, the data directory, with the size of every partition (all
 * of them when topics is null), and (v4+) the file system's total and usable bytes.
 * Authorization (with an authorizer, as KafkaApis): DESCRIBE on the cluster, else no results and
 * (v3+, which has the field) the top-level error CLUSTER_AUTHORIZATION_FAILED.
 */
import { statfs } from 'node:fs/promises';
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { clusterAllowed } from '../security/authorize.ts';

export const describeLogDirsHandler = defineHandler({
  apiKey: 35,
  minVersion: 1,
  maxVersion: 4,
  async handle(request, ctx): Promise<Loose<DescribeLogDirsResponse>> {
    const { broker } = ctx;
    if (!clusterAllowed(ctx, 'DESCRIBE')) return { throttleTimeMs: 0, errorCode: ctx.version >= 3 ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.NONE, results: [] };
    const wanted = request.topics ?? broker.topics.list().map((t) => ({ topic: t.name, partitions: Array.from({ length: t.partitions }, (_, i) => i) }));
    const topics = wanted
      .map((w) => ({
        name: w.topic,
        partitions: w.partitions.flatMap((p) => {
          const log = broker.partitions.get(w.topic, p);
          return log ? [{ partitionIndex: p, partitionSize: BigInt(log.sizeInBytes()), offsetLag: 0n, isFutureKey: false }] : [];
        }),
      }))
      .filter((t) => t.partitions.length > 0);
    const fs = await statfs(broker.dataDir);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir: broker.dataDir, topics, totalBytes: BigInt(fs.blocks * fs.bsize), usableBytes: BigInt(fs.bavail * fs.bsize) }],
    };
  },
});
