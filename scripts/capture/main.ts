/**
 * `npm run capture`: runs real Kafka clients against a tiny capture server and keeps the
 * request bytes they send as fixtures, test/fixtures/kafka/<client>/<api>-request-v<N>.bin,
 * with a manifest.json saying what each fixture should contain. The tests then need none of
 * the clients. Usage: npm run capture [-- kafkajs platformatic kcat] [--verbose]
 *
 * Each client gets a fresh server; its folder is emptied of .bin files before the new ones
 * are written (a skipped client keeps its old fixtures). Requests our codec could not read
 * are printed at the end and make the exit code 1.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFlexible } from '../../src/protocol/frame.ts';
import type { CaptureManifest, ManifestEntry } from '../../test/support/capture-manifest.ts';
import type { Driver } from './driver.ts';
import { kafkajsDriver } from './kafkajs.ts';
import { kcatDriver } from './kcat.ts';
import { platformaticDriver } from './platformatic.ts';
import { CaptureServer, type CaptureProblem } from './server.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/kafka/', import.meta.url));
const DRIVERS: readonly Driver[] = [kafkajsDriver, platformaticDriver, kcatDriver];
const DRIVER_TIMEOUT_MS = 90_000;

interface Outcome {
  client: string;
  status: 'captured' | 'skipped' | 'failed';
  detail: string;
  ms: number;
  problems: readonly CaptureProblem[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function writeFixtures(driver: Driver, server: CaptureServer): number {
  const dir = join(FIXTURES, driver.client);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.bin')) rmSync(join(dir, name));
  const frames = [...server.frames.values()].sort((a, b) => a.apiKey - b.apiKey || a.version - b.version || a.file.localeCompare(b.file));
  const fixtures: ManifestEntry[] = frames.map((f) => {
    writeFileSync(join(dir, f.file), f.frame);
    const note = driver.note?.(f);
    return {
      file: f.file,
      api: f.apiName,
      apiKey: f.apiKey,
      version: f.version,
      flexible: isFlexible(f.apiKey, f.version),
      expect: driver.expect(f),
      ...(note === undefined ? {} : { note }),
    };
  });
  const manifest: CaptureManifest = {
    client: driver.client,
    clientVersion: driver.clientVersion(),
    description: driver.description,
    fixtures,
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return fixtures.length;
}

async function capture(driver: Driver, verbose: boolean): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const reason = driver.unavailable();
  if (reason !== null) return { client: driver.client, status: 'skipped', detail: reason, ms: elapsed(), problems: [] };

  const server = new CaptureServer({ log: verbose ? (line) => console.log(`  [${driver.client}] ${line}`) : undefined });
  await server.start();
  try {
    await withTimeout(driver.run(server), DRIVER_TIMEOUT_MS, driver.client);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { client: driver.client, status: 'failed', detail: message, ms: elapsed(), problems: server.problems };
  } finally {
    await server.stop();
  }
  const count = writeFixtures(driver, server);
  return {
    client: driver.client,
    status: 'captured',
    detail: `${count} fixtures in test/fixtures/kafka/${driver.client}/`,
    ms: elapsed(),
    problems: server.problems,
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !DRIVERS.some((d) => d.client === w));
  if (unknown.length > 0) {
    console.error(`unknown client(s): ${unknown.join(', ')}; choose from ${DRIVERS.map((d) => d.client).join(', ')}`);
    return 2;
  }
  const drivers = wanted.length === 0 ? DRIVERS : DRIVERS.filter((d) => wanted.includes(d.client));

  const started = performance.now();
  const outcomes: Outcome[] = [];
  for (const driver of drivers) {
    console.log(`capturing ${driver.client} ...`);
    const outcome = await capture(driver, verbose);
    outcomes.push(outcome);
    console.log(`  ${outcome.status}: ${outcome.detail} (${(outcome.ms / 1000).toFixed(1)} s)`);
  }
  console.log(`capture took ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const problems = outcomes.flatMap((o) => o.problems.map((p) => ({ client: o.client, ...p })));
  for (const p of problems) {
    console.log(`PROBLEM ${p.client} (${p.stage}) api ${p.apiKey} v${p.version} client id ${String(p.clientId)}: ${p.message}`);
    console.log(`  bytes: ${p.hex}`);
  }
  return outcomes.some((o) => o.status === 'failed') || problems.length > 0 ? 1 : 0;
}

// Exit explicitly: a client that failed or timed out may still be retrying in the background.
process.exit(await main());
