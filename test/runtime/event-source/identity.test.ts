import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mappingUuid, MappingStateError, stateFile } from '../../../src/runtime/event-source/identity.ts';
import { tempDir } from './helpers.ts';

test('a mapping keeps its UUID across restarts; a damaged state file is refused, not replaced', async () => {
  const dir = tempDir();
  try {
    const uuid = await mappingUuid(dir.path, 'fn-orders');
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(await mappingUuid(dir.path, 'fn-orders'), uuid);
    assert.notEqual(await mappingUuid(dir.path, 'fn-payments'), uuid);
    writeFileSync(stateFile(dir.path, 'broken'), '{"UUID": 42}');
    await assert.rejects(mappingUuid(dir.path, 'broken'), (e: unknown) => e instanceof MappingStateError && e.code === 'SDS_ERR_MAPPING_STATE');
    await assert.rejects(mappingUuid(dir.path, '../escape'), MappingStateError);
  } finally {
    dir.remove();
  }
});
