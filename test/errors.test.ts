import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('every SDS_ERR code in the source is documented in docs/errors.md, and no more', () => {
  const used = new Set<string>();
  for (const file of sourceFiles('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/'(SDS_ERR_[A-Z0-9_]+)'/g)) used.add(m[1] as string);
  }
  const documented = new Set<string>();
  for (const m of readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `(SDS_ERR_[A-Z0-9_]+)` \|/gm)) documented.add(m[1] as string);
  assert.ok(used.size > 0);
  assert.deepEqual([...used].filter((c) => !documented.has(c)).sort(), [], 'used but not documented');
  assert.deepEqual([...documented].filter((c) => !used.has(c)).sort(), [], 'documented but not used');
});
