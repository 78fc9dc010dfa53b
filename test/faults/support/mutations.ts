/**
 * Seeded mutations of Kafka request frames for protocol fuzzing. A frame here is what follows
 * the int32 size prefix (as the captured fixtures are stored); `sized` adds the prefix, and
 * some mutations lie in it on purpose. Every choice comes from one seeded generator, so an
 * input is reproduced from its seed and iteration number.
 */
import { crc32c } from '../../../src/protocol/records/index.ts';
import { decodeRequestBody, readRequestFrame } from '../../../src/protocol/frame.ts';

/** mulberry32: small, fast, reproducible. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  }
}

export interface Seed {
  readonly name: string;
  readonly frame: Buffer;
}

export interface FuzzInput {
  /** What was done to which seed frame, for a person reading a failure. */
  readonly description: string;
  /** The bytes written to the socket, size prefixes included. */
  readonly bytes: Buffer;
  /** True when the size prefix matches the frame: the broker must answer or close. */
  readonly framed: boolean;
}

export function sized(frame: Buffer, size = frame.length): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size | 0);
  return Buffer.concat([prefix, frame]);
}

/** Values that make lengths, counts and sizes interesting. */
const INT32_EDGES = [0, 1, -1, -2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x00ffffff, 0x3fffffff];
const INT16_EDGES = [0, 1, -1, -2, 0x7f, 0x80, 0xff, 0x7fff, -0x8000];
/** Unsigned varints as flexible versions encode lengths and counts (value + 1). */
const UVARINT_EDGES = [[0x00], [0xff, 0x7f], [0xff, 0xff, 0x03], [0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]];

type Mutation = (frame: Buffer, r: Random, seeds: readonly Seed[]) => { frame: Buffer; what: string };

/** Mutations of the frame's content; the body starts after the 8 bytes of key, version and correlation id. */
const MUTATIONS: Record<string, Mutation> = {
  bitFlips(frame, r) {
    const out = Buffer.from(frame);
    const n = r.int(1, 8);
    for (let i = 0; i < n; i++) {
      const at = r.int(0, out.length - 1);
      out[at] = (out[at] as number) ^ (1 << r.int(0, 7));
    }
    return { frame: out, what: `${n} bit flips` };
  },
  randomBytes(frame, r) {
    const out = Buffer.from(frame);
    const n = r.int(1, 4);
    for (let i = 0; i < n; i++) out[bodyPosition(out, r)] = r.int(0, 255);
    return { frame: out, what: `${n} random bytes` };
  },
  truncate(frame, r) {
    const at = r.int(0, frame.length - 1);
    return { frame: frame.subarray(0, at), what: `truncated to ${at}` };
  },
  insert(frame, r) {
    const at = r.int(0, frame.length);
    const n = r.int(1, 16);
    return { frame: Buffer.concat([frame.subarray(0, at), r.bytes(n), frame.subarray(at)]), what: `${n} bytes inserted at ${at}` };
  },
  remove(frame, r) {
    const at = r.int(0, frame.length - 1);
    const n = r.int(1, Math.min(16, frame.length - at));
    return { frame: Buffer.concat([frame.subarray(0, at), frame.subarray(at + n)]), what: `${n} bytes removed at ${at}` };
  },
  duplicate(frame, r) {
    const at = r.int(8, Math.max(8, frame.length - 1));
    const n = r.int(1, Math.min(64, Math.max(1, frame.length - at)));
    const times = r.int(1, 32);
    const copies = Array.from({ length: times }, () => frame.subarray(at, at + n));
    return { frame: Buffer.concat([frame.subarray(0, at + n), ...copies, frame.subarray(at + n)]), what: `${n} bytes at ${at} repeated ${times} times` };
  },
  splice(frame, r, seeds) {
    const other = r.pick(seeds);
    const cut = r.int(0, frame.length);
    const from = r.int(0, other.frame.length);
    return { frame: Buffer.concat([frame.subarray(0, cut), other.frame.subarray(from)]), what: `spliced at ${cut} with ${other.name} from ${from}` };
  },
  int32Edge(frame, r) {
    if (frame.length < 4) return { frame, what: 'too short for an int32' };
    const out = Buffer.from(frame);
    const at = r.int(Math.min(8, out.length - 4), out.length - 4);
    const v = r.pick(INT32_EDGES);
    out.writeInt32BE(v | 0, at);
    return { frame: out, what: `int32 ${v} at ${at}` };
  },
  int16Edge(frame, r) {
    if (frame.length < 2) return { frame, what: 'too short for an int16' };
    const out = Buffer.from(frame);
    const at = r.int(0, out.length - 2);
    const v = r.pick(INT16_EDGES);
    out.writeInt16BE(v, at);
    return { frame: out, what: `int16 ${v} at ${at}` };
  },
  uvarintEdge(frame, r) {
    const at = bodyPosition(frame, r);
    const v = Buffer.from(r.pick(UVARINT_EDGES));
    const replace = r.int(0, 1) === 1;
    const rest = frame.subarray(replace ? Math.min(frame.length, at + 1) : at);
    return { frame: Buffer.concat([frame.subarray(0, at), v, rest]), what: `uvarint ${v.toString('hex')} ${replace ? 'over' : 'before'} byte ${at}` };
  },
  version(frame, r) {
    if (frame.length < 4) return { frame, what: 'too short for a version' };
    const out = Buffer.from(frame);
    const v = r.pick([-1, 0, 1, 2, 3, 4, 5, 7, 9, 11, 12, 13, 15, 17, 0x7fff]);
    out.writeInt16BE(v, 2);
    return { frame: out, what: `version ${v}` };
  },
  apiKey(frame, r) {
    if (frame.length < 2) return { frame, what: 'too short for an API key' };
    const out = Buffer.from(frame);
    const k = r.pick([-1, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 32, 36, 37, 42, 44, 47, 60, 61, 68, 1000, 0x7fff]);
    out.writeInt16BE(k, 0);
    return { frame: out, what: `API key ${k}` };
  },
  batchWithCrc(frame, r) {
    // Inside a Produce record batch, with the CRC fixed up: the damage passes the CRC check
    // and reaches the deeper checks (counts, lengths, compression) the broker makes.
    const batch = recordBatchIn(frame);
    if (batch === undefined || batch.length < 61) return MUTATIONS.int32Edge?.(frame, r, []) ?? { frame, what: '' };
    const out = Buffer.from(frame);
    const start = batch.byteOffset - frame.byteOffset;
    const n = r.int(1, 3);
    const changed: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = start + (r.int(0, 1) === 0 ? r.int(21, 60) : r.int(61, batch.length - 1));
      if (r.int(0, 1) === 0 && at + 4 <= start + batch.length) out.writeInt32BE(r.pick(INT32_EDGES) | 0, at);
      else out[at] = r.int(0, 255);
      changed.push(String(at - start));
    }
    out.writeUInt32BE(crc32c(out, start + 21, start + batch.length), start + 17);
    return { frame: out, what: `record batch bytes ${changed.join(',')} changed, CRC fixed` };
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);

/** A random position after the request header's fixed part, when the frame has one. */
function bodyPosition(frame: Buffer, r: Random): number {
  return frame.length > 8 ? r.int(8, frame.length - 1) : r.int(0, Math.max(0, frame.length - 1));
}

/** The first partition's record batch of a Produce frame, as a view into it. */
function recordBatchIn(frame: Buffer): Buffer | undefined {
  try {
    const { header, body } = readRequestFrame(frame);
    if (header.requestApiKey !== 0) return undefined;
    const request = decodeRequestBody(0, header.requestApiVersion, body);
    return request.topicData[0]?.partitionData[0]?.records ?? undefined;
  } catch {
    return undefined;
  }
}

/** One fuzz input: 1 to 3 stacked mutations of a seed frame; now and then a lying size prefix or two frames in one. */
export function mutate(seeds: readonly Seed[], r: Random): FuzzInput {
  const seed = r.pick(seeds);
  let frame = seed.frame;
  const steps: string[] = [];
  for (let n = r.int(1, 3); n > 0; n--) {
    const name = r.pick(MUTATION_NAMES);
    const m = (MUTATIONS[name] as Mutation)(frame, r, seeds);
    frame = m.frame;
    steps.push(`${name} (${m.what})`);
  }
  const description = `${seed.name}: ${steps.join(', ')}`;
  const framing = r.int(0, 19);
  if (framing === 0) {
    const size = r.pick([frame.length - 1, frame.length + 1, frame.length + r.int(2, 4096), 0, -1, 0x7fffffff, r.int(0, 64)]);
    return { description: `${description}, size prefix ${size} for ${frame.length} bytes`, bytes: sized(frame, size), framed: false };
  }
  if (framing === 1) {
    // Two requests back to back: the second must still be read at the right place.
    const other = r.pick(seeds);
    return { description: `${description}, followed by ${other.name} in the same write`, bytes: Buffer.concat([sized(frame), sized(other.frame)]), framed: false };
  }
  return { description, bytes: sized(frame), framed: true };
}
