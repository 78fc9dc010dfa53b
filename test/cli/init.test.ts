import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/sds-config.ts';
import { handlerEntry, packagedHandler } from '../../src/cli/init.ts';
import { runSds } from '../support/sds-cli.ts';
import { startSds, withFreePorts } from '../support/sds-up.ts';

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-init-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('sds init writes a config that loadConfig accepts, with the sections of the solution and the packaged handlers', async () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'sds.config.yaml');
    const result = await runSds(['init', '--config-file', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Wrote .*sds\.config\.yaml/);
    const text = readFileSync(file, 'utf8');
    for (const section of ['dataDir:', 'broker:', 'topics:', 'functions:', 'msk-consumer:', 'msk-to-firehose:', 'eventSources:', 'firehose:', 'deliveryStreams:', '# buckets:', 'dashboard:']) {
      assert.ok(text.includes(section), `the starter config has ${section}`);
    }
    const config = loadConfig(file);
    assert.deepEqual(config.topics.map((t) => t.name), ['MyTopic']);
    assert.deepEqual(config.functions.map((f) => [f.settings.name, f.settings.modulePath]), [
      ['msk-consumer', packagedHandler('msk-consumer')],
      ['msk-to-firehose', packagedHandler('msk-to-firehose')],
    ]);
    assert.deepEqual(config.functions.map((f) => f.eventSources.map((s) => s.topic)), [['MyTopic'], ['MyTopic']]);
    assert.equal(config.firehose?.streams[0]?.name, 'msk-to-s3');
    assert.equal(config.dashboard?.port, 3000);
    assert.equal(config.dataDir, join(t.dir, '.sds'));
  } finally {
    t.remove();
  }
});

test('sds init refuses to overwrite a file unless --force, and rejects unknown flags', async () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'mine.yaml');
    writeFileSync(file, 'topics: []\n');
    const refused = await runSds(['init', '--config-file', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists; run `sds init --force`.*SDS_ERR_INIT_EXISTS/);
    assert.equal(readFileSync(file, 'utf8'), 'topics: []\n', 'the file is untouched');
    const forced = await runSds(['init', '--force', '--config-file', file]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(file, 'utf8'), /msk-to-firehose/);
    assert.equal((await runSds(['init', '--frobnicate'])).code, 2);
    const missingFolder = await runSds(['init', '--config-file', join(t.dir, 'no', 'such', 'folder', 'sds.config.yaml')]);
    assert.equal(missingFolder.code, 1);
    assert.match(missingFolder.stderr, /SDS_ERR_INIT_WRITE/);
  } finally {
    t.remove();
  }
});

test('handler paths: relative inside the config\'s folder (a project\'s node_modules), absolute elsewhere', () => {
  assert.equal(handlerEntry('/p/sds.config.yaml', '/p/node_modules/pkg/src/functions/msk-consumer/index.ts'), 'node_modules/pkg/src/functions/msk-consumer/index.ts');
  assert.equal(handlerEntry('/elsewhere/sds.config.yaml', '/p/node_modules/pkg/src/functions/msk-consumer/index.ts'), '/p/node_modules/pkg/src/functions/msk-consumer/index.ts');
  assert.equal(handlerEntry(resolve('sds.config.yaml'), packagedHandler('msk-consumer')), 'src/functions/msk-consumer/index.ts', 'in the repository, the same path as its sds.config.yaml');
});

test('sds up starts from the file sds init wrote, in an empty folder, and stops on SIGTERM', async () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'sds.config.yaml');
    assert.equal((await runSds(['init', '--config-file', file])).code, 0);
    writeFileSync(file, withFreePorts(readFileSync(file, 'utf8')));
    const up = await startSds(['up'], { cwd: t.dir });
    try {
      assert.match(up.out(), /Function msk-consumer: .*msk-consumer[/\\]index\.ts/);
      assert.match(up.out(), /Function msk-to-firehose: /);
      assert.match(up.out(), /Dashboard: http:\/\/127\.0\.0\.1:\d+\//);
      assert.equal(await up.stop(), 0, up.out());
      assert.ok(existsSync(join(t.dir, '.sds', 'broker')), 'the state is in the folder of the config');
    } finally {
      up.kill();
    }
  } finally {
    t.remove();
  }
});
