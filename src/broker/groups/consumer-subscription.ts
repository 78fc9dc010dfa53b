/**
 * The topics a "consumer" protocol member subscribes to, read from its JoinGroup metadata
 * (ConsumerProtocolSubscription: an int16 version, then the body).
 */
import { Reader } from '../../protocol/primitives/index.ts';
import { readConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.ts';

/** Newest ConsumerProtocolSubscription version we can read; newer ones start with the same fields. */
const MAX_VERSION = 3;

/** The subscribed topics, or undefined when the metadata does not parse. */
export function subscribedTopics(metadata: Buffer): string[] | undefined {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return undefined;
    return readConsumerProtocolSubscription(r, Math.min(version, MAX_VERSION)).topics;
  } catch {
    return undefined;
  }
}
