// Versions of the peers, read once at start (each look-up is bounded and never throws), for the
// scenario table's client column and the report's versions section.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaBinary, KAFKA_VERSION, REPO_ROOT } from '../../scripts/conformance/apache-kafka.ts';

/** stdout and stderr of a short command, or null if it cannot run or fails. */
function output(file: string, args: readonly string[]): string | null {
  const result = spawnSync(file, [...args], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined || result.status !== 0) return null;
  return `${result.stdout}${result.stderr}`;
}

function packageVersion(name: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // reported as unknown below
  }
  return 'not installed';
}

/** The first interpreter that can import kafka (Debian's python3-kafka lives in /usr/bin/python3). */
function findKafkaPython(): { python: string; version: string } | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const out = output(python, ['-c', 'import kafka; print(kafka.__version__)']);
    if (out !== null && out.trim() !== '') return { python, version: out.trim() };
  }
  return null;
}

/**
 * The first interpreter that can import confluent_kafka (install.sh puts it in the python3 first on
 * the PATH with pip), with its version and that of the librdkafka its wheel bundles.
 */
function findConfluentKafka(): { python: string; version: string; librdkafka: string } | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const out = output(python, ['-c', 'import confluent_kafka as c; print(c.__version__, c.libversion()[0])']);
    const m = /^(\d\S*) (\d\S*)$/m.exec(out ?? '');
    if (m !== null) return { python, version: m[1] as string, librdkafka: m[2] as string };
  }
  return null;
}

const kcatText = output('kcat', ['-V']) ?? '';
const javaText = output(javaBinary(), ['-version']) ?? '';

export const kafkaPython = findKafkaPython();
export const confluentKafka = findConfluentKafka();

export const versions = {
  node: process.version,
  apacheKafka: KAFKA_VERSION,
  java: /version "([^"]+)"/.exec(javaText)?.[1] ?? 'unknown',
  kcat: /Version (\S+)/.exec(kcatText)?.[1] ?? 'not installed',
  librdkafka: /librdkafka (\S+)/.exec(kcatText)?.[1] ?? 'unknown',
  kafkaPython: kafkaPython?.version ?? 'not installed',
  confluentKafka: confluentKafka?.version ?? 'not installed',
  confluentLibrdkafka: confluentKafka?.librdkafka ?? 'unknown',
  kafkajs: packageVersion('kafkajs'),
  platformatic: packageVersion('@platformatic/kafka'),
};
