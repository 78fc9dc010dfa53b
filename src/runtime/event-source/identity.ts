/**
 * A mapping's identity across restarts: Lambda gives each event source mapping a UUID, and uses
 * it as the Kafka consumer group id when ConsumerGroupId is not set. Locally the UUID is made on
 * first start and kept in `<dataDir>/event-source-mappings/<name>.json`, so a restart rejoins
 * the same group and carries on from its committed offsets.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SdsError } from '../../errors.ts';

const NAME = /^[A-Za-z0-9._-]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class MappingStateError extends SdsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SDS_ERR_MAPPING_STATE', message, options);
  }
}

export function stateFile(dataDir: string, name: string): string {
  return join(dataDir, 'event-source-mappings', `${name}.json`);
}

/** The mapping's UUID: read back, or made and stored durably (write aside, fsync, rename). */
export async function mappingUuid(dataDir: string, name: string): Promise<string> {
  if (!NAME.test(name)) throw new MappingStateError(`event source mapping name ${JSON.stringify(name)}: use 1-200 letters, digits, ".", "_" or "-"`);
  const path = stateFile(dataDir, name);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) {
      throw new MappingStateError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  if (text !== undefined) {
    let uuid: unknown;
    try {
      uuid = (JSON.parse(text) as { UUID?: unknown }).UUID;
    } catch {
      uuid = undefined;
    }
    if (typeof uuid !== 'string' || !UUID.test(uuid)) {
      throw new MappingStateError(`${path} does not hold a mapping UUID: restore it, or delete it to start a new consumer group`);
    }
    return uuid;
  }
  const uuid = randomUUID();
  const folder = join(dataDir, 'event-source-mappings');
  try {
    await mkdir(folder, { recursive: true });
    const temporary = `${path}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(`${JSON.stringify({ UUID: uuid }, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (error: unknown) {
    throw new MappingStateError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return uuid;
}
