import { ProtocolError } from '../errors.ts';
import { LOG_APPEND_TIME_FLAG } from './attributes.ts';
import * as L from './batch-layout.ts';
import { crc32c } from './crc32c.ts';

/**
 * Sets BaseOffset and PartitionLeaderEpoch of the batch at `position`, in place. Both
 * lie before the CRC-covered range, so the CRC stays valid: this is how the broker
 * assigns offsets while storing the client's bytes unchanged.
 */
export function rewriteBatchOffsets(buf: Buffer, position: number, baseOffset: bigint, partitionLeaderEpoch: number): void {
  checkRoom(buf, position);
  if (baseOffset < 0n || baseOffset > 0x7fffffffffffffffn) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `base offset ${baseOffset} is not a valid offset`);
  }
  if (!Number.isInteger(partitionLeaderEpoch) || partitionLeaderEpoch < -1 || partitionLeaderEpoch > 0x7fffffff) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `partition leader epoch ${partitionLeaderEpoch} is out of range`);
  }
  buf.writeBigInt64BE(baseOffset, position + L.BASE_OFFSET);
  buf.writeInt32BE(partitionLeaderEpoch, position + L.PARTITION_LEADER_EPOCH);
}

/**
 * Marks the batch as LogAppendTime with the broker's append time as MaxTimestamp, in
 * place. Both fields are CRC-covered, so the CRC is recomputed (Kafka setMaxTimestamp).
 * The batch must already be validated: its Length is trusted.
 */
export function setLogAppendTime(buf: Buffer, position: number, appendTime: bigint): void {
  checkRoom(buf, position);
  if (appendTime < -0x8000000000000000n || appendTime > 0x7fffffffffffffffn) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `append time ${appendTime} is out of the int64 range`);
  }
  const end = position + L.LOG_OVERHEAD + buf.readInt32BE(position + L.LENGTH);
  if (end > buf.length || end < position + L.BATCH_HEADER_SIZE) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_CORRUPT_BATCH', `record batch at byte ${position}: Length does not fit the buffer`);
  }
  const attributes = buf.readInt16BE(position + L.ATTRIBUTES) | LOG_APPEND_TIME_FLAG;
  buf.writeInt16BE(attributes, position + L.ATTRIBUTES);
  buf.writeBigInt64BE(appendTime, position + L.MAX_TIMESTAMP);
  buf.writeUInt32BE(crc32c(buf, position + L.ATTRIBUTES, end), position + L.CRC);
}

function checkRoom(buf: Buffer, position: number): void {
  if (!Number.isInteger(position) || position < 0 || buf.length - position < L.BATCH_HEADER_SIZE) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_TRUNCATED', `no record batch header at byte ${position} of ${buf.length}`);
  }
}
