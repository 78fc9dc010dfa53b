/**
 * npm run bench [-- codec] [-- --rounds N] [-- --no-write]
 *
 * Runs the benchmarks (only `codec` exists so far), prints the results and writes them into
 * docs/benchmarks.md between the suite's markers. Never part of `npm test`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { runCodecBenchmarks, type CodecResult } from './codec.ts';
import { megabytesPerSecond } from './measure.ts';

const DOC = new URL('../docs/benchmarks.md', import.meta.url);

function machine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node.js ${process.version}`;
}

function codecTable(results: CodecResult[]): string {
  const reference = results[0];
  if (!reference) throw new Error('no results');
  const refRate = megabytesPerSecond(reference.bytes, reference.measurement);
  const rows = results.map((r) => {
    const rate = megabytesPerSecond(r.bytes, r.measurement);
    const us = (r.measurement.nsPerOp / 1000).toFixed(1);
    return `| ${r.name} | ${(r.bytes / 2 ** 20).toFixed(2)} MiB | ${us} µs | ${rate.toFixed(0)} MB/s | ${(rate / refRate).toFixed(2)}x |`;
  });
  return ['| operation | size | median time | throughput | ratio to Buffer.copy |', '|---|---|---|---|---|', ...rows].join('\n');
}

function replaceSection(doc: string, suite: string, body: string): string {
  const begin = `<!-- ${suite}:begin -->`;
  const end = `<!-- ${suite}:end -->`;
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`docs/benchmarks.md has no ${begin} ... ${end} section`);
  return `${doc.slice(0, start + begin.length)}\n${body}\n${doc.slice(stop)}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rounds: { type: 'string', default: '7' }, 'no-write': { type: 'boolean', default: false } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    console.error('--rounds must be an integer from 1 to 100');
    process.exit(2);
  }
  const suites = positionals.length > 0 ? positionals : ['codec'];
  for (const suite of suites) {
    if (suite !== 'codec') {
      console.error(`unknown benchmark suite "${suite}"; available: codec`);
      process.exit(2);
    }
  }
  const results = await runCodecBenchmarks(rounds);
  const table = codecTable(results);
  const section = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
    `Command: \`npm run bench -- codec --rounds ${rounds}\` (median of ${rounds} rounds of ~300 ms each, after a warm-up round).`,
    '',
    table,
  ].join('\n');
  console.log(section);
  if (!values['no-write']) {
    writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'codec', section));
    console.log('\nWritten to docs/benchmarks.md');
  }
}

await main();
