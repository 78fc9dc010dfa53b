/**
 * Producer ids: monotonic and never reused, even after a crash. Like Kafka's controller,
 * ids are handed out from blocks; the end of the current block is written (atomically,
 * fsynced) before any id of it is given, so a restart continues after the block and at
 * worst skips the ids a crash left unused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SdsError } from '../../errors.ts';
import { writeFileAtomic } from '../metadata/atomic-file.ts';

export const PRODUCER_IDS_FILE = 'producer-ids.json';
const BLOCK_SIZE = 1000n;

interface ProducerIdsFile {
  version: 1;
  /** Every id below this may have been given out. */
  reservedUpTo: string;
}

export class ProducerIdAllocator {
  private readonly path: string;
  private next: bigint;
  private reservedUpTo: bigint;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(path: string, reservedUpTo: bigint) {
    this.path = path;
    this.next = reservedUpTo;
    this.reservedUpTo = reservedUpTo;
  }

  static async open(dataDir: string): Promise<ProducerIdAllocator> {
    const path = join(dataDir, PRODUCER_IDS_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new ProducerIdAllocator(path, 0n);
      throw e;
    }
    return new ProducerIdAllocator(path, parse(path, text));
  }

  /** The next producer id; serialized so a block is reserved once. */
  allocate(): Promise<bigint> {
    const result = this.chain.then(async () => {
      if (this.next >= this.reservedUpTo) {
        const end = this.next + BLOCK_SIZE;
        const file: ProducerIdsFile = { version: 1, reservedUpTo: end.toString() };
        await writeFileAtomic(this.path, `${JSON.stringify(file)}\n`);
        this.reservedUpTo = end;
      }
      return this.next++;
    });
    // A failed write fails this call only; the next one tries again.
    this.chain = result.catch(() => undefined);
    return result;
  }
}

function parse(path: string, text: string): bigint {
  try {
    const file = JSON.parse(text) as Partial<ProducerIdsFile>;
    if (file.version === 1 && typeof file.reservedUpTo === 'string' && /^\d+$/.test(file.reservedUpTo)) return BigInt(file.reservedUpTo);
  } catch {
    // reported below
  }
  throw new SdsError('SDS_ERR_BROKER_METADATA_CORRUPT', `${path} is not a valid producer id reservation; restore it from a backup, or replace it with {"version":1,"reservedUpTo":"<a number above every producer id in use>"}`);
}
