/** Producer sequence arithmetic: sequences are int32 and wrap from 2^31-1 to 0 (Kafka's DefaultRecordBatch). */

const INT32_MAX = 2_147_483_647;

/** The sequence of a batch's last record: base + lastOffsetDelta, wrapping past Int32.MAX to 0. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSequence) - 1;
  return baseSequence + lastOffsetDelta;
}

/** True when `next` directly follows `last` (ProducerAppendInfo.inSequence). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX);
}
