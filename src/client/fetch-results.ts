/**
 * What a fetch answer says, shared by the readers of topics (sds consume, the event source
 * poller): the record batch attribute bits they look at, and the partition errors that fresh
 * metadata cures (leader moved, topic deleted or re-created, broker restarting).
 */
import { ErrorCode } from '../protocol/error-codes.ts';

/** RecordBatch attributes: the timestamp is the broker's (LogAppendTime), and a control batch. */
export const LOG_APPEND_TIME = 0x08;
export const CONTROL_BATCH = 0x20;

export const REFRESH_ERRORS: ReadonlySet<number> = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);
