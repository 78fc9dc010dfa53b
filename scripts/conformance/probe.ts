// Readiness probe for a Kafka endpoint, independent of every client under test and of our own
// codec: a TCP connect, then one hand-encoded Metadata v4 request (classic encoding, supported by
// Kafka 4.x and in the advertised range of the embedded broker) whose answer must list a broker.
import { connect } from 'node:net';

export interface MetadataProbe {
  readonly brokers: number;
  readonly controllerId: number;
  readonly clusterId: string | null;
  /** Partitions (of every topic, when asked for all) without a leader or with an error code. */
  readonly leaderless: readonly string[];
}

const METADATA = 3;
const METADATA_VERSION = 4;

/**
 * Resolves once `host:port` answers Metadata with at least one broker and (since a restarted server
 * is not ready until it leads its partitions again) a leader for every partition of every topic;
 * rejects at the deadline.
 */
export async function waitUntilReady(host: string, port: number, timeoutMs: number, isAlive?: () => string | null): Promise<MetadataProbe> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt yet';
  while (Date.now() < deadline) {
    const dead = isAlive?.() ?? null;
    if (dead !== null) throw new Error(dead);
    try {
      const probe = await metadata(host, port, Math.max(200, Math.min(3000, deadline - Date.now())), true);
      if (probe.brokers > 0 && probe.leaderless.length === 0) return probe;
      last = probe.brokers === 0 ? 'Metadata lists no broker yet' : `no leader yet for ${probe.leaderless.slice(0, 5).join(', ')}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${host}:${port} not ready after ${timeoutMs} ms (last: ${last})`);
}

/** One Metadata v4 request (for no topic, or all); rejects on a socket error, a timeout or a short answer. */
export function metadata(host: string, port: number, timeoutMs: number, allTopics = false): Promise<MetadataProbe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (message: string): void => {
      socket.destroy();
      reject(new Error(message));
    };
    socket.setTimeout(timeoutMs, () => fail(`Metadata probe timed out after ${timeoutMs} ms`));
    socket.on('error', (error) => fail(error.message));
    socket.on('connect', () => socket.write(encodeRequest(7, allTopics)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length < 4 + size) return;
      socket.destroy();
      try {
        resolve(decodeResponse(all.subarray(4, 4 + size), 7));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('end', () => fail('connection closed before the Metadata answer'));
  });
}

function encodeRequest(correlationId: number, allTopics: boolean): Buffer {
  const clientId = Buffer.from('sds-conformance-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
  let at = 0;
  at = body.writeInt16BE(METADATA, at);
  at = body.writeInt16BE(METADATA_VERSION, at);
  at = body.writeInt32BE(correlationId, at);
  at = body.writeInt16BE(clientId.length, at);
  at += clientId.copy(body, at);
  at = body.writeInt32BE(allTopics ? -1 : 0, at); // topics: null = all, empty = none (brokers only)
  body.writeInt8(0, at); // allow_auto_topic_creation
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function decodeResponse(frame: Buffer, correlationId: number): MetadataProbe {
  let at = 0;
  const int32 = (): number => {
    const v = frame.readInt32BE(at);
    at += 4;
    return v;
  };
  const string = (): string | null => {
    const len = frame.readInt16BE(at);
    at += 2;
    if (len < 0) return null;
    const s = frame.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  if (int32() !== correlationId) throw new Error('Metadata probe: wrong correlation id');
  int32(); // throttle_time_ms
  const brokers = int32();
  for (let i = 0; i < brokers; i++) {
    int32(); // node_id
    string(); // host
    int32(); // port
    string(); // rack
  }
  const clusterId = string();
  const controllerId = int32();
  const int16 = (): number => {
    const v = frame.readInt16BE(at);
    at += 2;
    return v;
  };
  const skipInt32Array = (): void => {
    const n = int32();
    at += 4 * Math.max(0, n);
  };
  const leaderless: string[] = [];
  const topics = int32();
  for (let t = 0; t < topics; t++) {
    const topicError = int16();
    const name = string() ?? '?';
    at += 1; // is_internal
    if (topicError !== 0) leaderless.push(`${name} (error ${topicError})`);
    const partitions = int32();
    for (let p = 0; p < partitions; p++) {
      const error = int16();
      const index = int32();
      const leader = int32();
      skipInt32Array(); // replica_nodes
      skipInt32Array(); // isr_nodes
      if (error !== 0 || leader < 0) leaderless.push(`${name}-${index}`);
    }
  }
  return { brokers, controllerId, clusterId, leaderless };
}
