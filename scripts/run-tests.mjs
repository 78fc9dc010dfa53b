#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20's --test has no glob support,
// so the files are listed here. Usage: node scripts/run-tests.mjs [dir-or-file ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
// Suites with their own npm scripts; naming one of them explicitly runs it.
const excluded = ['test/conformance', 'test/browser', 'test/fixtures', 'test/s3', 'test/faults'].filter(
  (e) => !roots.some((r) => relative(e, r) === '' || !relative(e, r).startsWith('..')),
);

function collect(path, out) {
  if (excluded.some((e) => relative(e, path) === '' || !relative(e, path).startsWith('..'))) return out;
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const files = (roots.length > 0 ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
