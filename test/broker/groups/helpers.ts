/** Shared set-up for the group tests: a broker with no initial rebalance delay, and waits. */
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import type { BrokerConfig } from '../../../src/broker/config.ts';
import { RawClient } from '../../support/raw-client.ts';

export async function groupBroker(config: Partial<BrokerConfig> = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0, ...config } });
}

export async function createTopic(port: number, name: string, partitions: number): Promise<void> {
  const admin = await RawClient.connect(port);
  try {
    const res = await admin.request(19, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1 }] });
    if (res.topics[0]?.errorCode !== 0) throw new Error(`create topic ${name}: error ${res.topics[0]?.errorCode}`);
  } finally {
    admin.close();
  }
}

/** Polls `check` until it holds; fails after `timeoutMs` (a bound on waiting, not a timing assertion). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
