/**
 * npm run bench [-- codec|broker|startup|sds-produce|event-source|firehose] [-- --rounds N] [-- --records N] [-- --ingest-mib N] [-- --no-write]
 *
 * Runs the benchmarks (`codec`, `broker`), prints the results and writes them into
 * docs/benchmarks.md between the suite's markers. Never part of `npm test`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { runCodecBenchmarks, type CodecResult } from './codec.ts';
import { BATCH_SIZES, medians, runEventSourceBenchmark, type EventSourceBenchResult } from './event-source.ts';
import { INGEST_CASES, IN_FLIGHT, PIPELINE, BUFFERING, median as medianOf, runFirehoseBenchmark, type FirehoseBenchResult } from './firehose.ts';
import { megabytesPerSecond } from './measure.ts';
import { runSdsProduceBenchmark, type SdsProduceBenchResult } from './sds-produce.ts';
import { LATENCY_RATES, SHAPES, runBrokerBenchmarks, type BrokerBenchResult, type ConsumerRun, type ProducerRun, type ServerResult } from './broker.ts';
import { renderBarChart, shortNumber } from './chart.ts';
import { runStartupBenchmark, type StartupCase } from './startup.ts';

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const KAFKA = 'Apache Kafka 4.1.1';
const KAFKA_FLUSHED = 'Apache Kafka 4.1.1, flush every message';

const shapeName = (s: { partitions: number; producers: number }): string =>
  `${s.partitions} partition${s.partitions > 1 ? 's' : ''}, ${s.producers} producer${s.producers > 1 ? 's' : ''}`;

function brokerTable(result: BrokerBenchResult): string {
  const m = (values: number[]): number => median(values);
  const produced = (s: ServerResult, key: keyof ProducerRun): number => m(s.runs.map((r) => r[key]));
  const consumed = (s: ServerResult, key: keyof ConsumerRun): number => m(s.consumed.map((r) => r[key]));
  const same = (server: string, s: ServerResult) => result.servers.find((x) => x.server === server && x.partitions === s.partitions && x.producers === s.producers);
  const ratio = (value: number, reference: number | undefined): string => (reference === undefined ? 'n/a' : `${(value / reference).toFixed(2)}x`);
  const produceRows = result.servers.map((s) => {
    const rate = produced(s, 'recordsPerSec');
    const kafka = same(KAFKA, s);
    const flushed = same(KAFKA_FLUSHED, s);
    return (
      `| ${s.server} | ${shapeName(s)} | ${rate.toFixed(0)} | ${produced(s, 'mbPerSec').toFixed(1)} | ` +
      `${produced(s, 'p50')} / ${produced(s, 'p99')} / ${produced(s, 'p999')} ms | ` +
      `${ratio(rate, kafka && produced(kafka, 'recordsPerSec'))} | ${ratio(rate, flushed && produced(flushed, 'recordsPerSec'))} |`
    );
  });
  const consumeRows = result.servers
    .filter((s) => s.consumed.length > 0)
    .map((s) => {
      const rate = consumed(s, 'recordsPerSec');
      const kafka = same(KAFKA, s);
      return `| ${s.server} | ${s.partitions} | ${rate.toFixed(0)} | ${consumed(s, 'mbPerSec').toFixed(1)} | ${ratio(rate, kafka && consumed(kafka, 'recordsPerSec'))} |`;
    });
  const footprintRows = result.footprints.map((f) => `| ${f.server} | ${f.startMs.toFixed(0)} ms | ${f.rssIdleMb.toFixed(0)} MB | ${f.rssPeakMb.toFixed(0)} MB |`);
  const embeddedBest = Math.max(...result.servers.filter((s) => s.server === 'embedded broker').map((s) => produced(s, 'mbPerSec')));
  return [
    `Raw disk, sequential 1 MiB writes each followed by fdatasync: **${result.diskMbPerSec.toFixed(0)} MB/s**. ` +
      `The embedded broker (which acknowledges only after fsync) reached **${embeddedBest.toFixed(1)} MB/s** at best, **${(embeddedBest / result.diskMbPerSec).toFixed(2)}x** of it.`,
    `Embedded broker start-up, in-process, empty data directory (5 runs): median **${median(result.embeddedStartMs).toFixed(1)} ms** (${result.embeddedStartMs.map((v) => v.toFixed(1)).join(', ')}).`,
    '',
    `ProducerPerformance: ${result.records} records of 1 KiB in all, acks=all, unlimited rate; with 4 producers, 4 processes at once share them ` +
      '(their rates added, the worst of their latencies); median of the runs.',
    '',
    '| server | shape | records/s | MB/s | latency p50 / p99 / p99.9 | ratio to Kafka (default) | ratio to Kafka (flush every message) |',
    '|---|---|---|---|---|---|---|',
    ...produceRows,
    '',
    `ConsumerPerformance: the ${result.records} records of each 1-producer run read from the start by a new group (fetch rate, group join left out); median of the runs.`,
    '',
    '| server | partitions | records/s | MB/s | ratio to Kafka (default) |',
    '|---|---|---|---|---|',
    ...consumeRows,
    '',
    'Start-up (process start until a Metadata call lists the broker, as the conformance launcher times it) and RSS (idle after start; peak sampled every 250 ms during the produce and consume runs).',
    '',
    '| server | start-up | RSS idle | RSS peak under load |',
    '|---|---|---|---|',
    ...footprintRows,
    '',
    groupTable(result),
  ].join('\n');
}

/** The SVG charts of a broker run, written next to the other images of the docs. */
function brokerCharts(result: BrokerBenchResult): Record<string, string> {
  const servers = [...new Set(result.servers.map((s) => s.server))];
  const produceRate = (server: string, shape: (typeof SHAPES)[number]): number =>
    median(result.servers.find((s) => s.server === server && s.partitions === shape.partitions && s.producers === shape.producers)?.runs.map((r) => r.recordsPerSec) ?? []);
  const consumeRate = (server: string, partitions: number): number =>
    median(result.servers.find((s) => s.server === server && s.partitions === partitions && s.producers === 1)?.consumed.map((r) => r.recordsPerSec) ?? []);
  const latency = (server: string, rate: number, key: 'p50' | 'p99' | 'p999'): number =>
    median(result.groups.find((g) => g.server === server)?.latency.filter((l) => l.rate === rate).map((l) => l[key]) ?? []);
  return {
    'bench-produce.svg': renderBarChart({
      title: 'Produce throughput (ProducerPerformance, 1 KiB, acks=all)',
      unit: 'records/s, higher is better',
      groups: SHAPES.map(shapeName),
      series: servers.map((name) => ({ name, values: SHAPES.map((shape) => produceRate(name, shape)) })),
    }),
    'bench-consume.svg': renderBarChart({
      title: 'Consume throughput (ConsumerPerformance)',
      unit: 'records/s, higher is better',
      groups: ['1 partition', '6 partitions'],
      series: servers.map((name) => ({ name, values: [consumeRate(name, 1), consumeRate(name, 6)] })),
    }),
    'bench-latency.svg': renderBarChart({
      title: 'End-to-end latency p99 (producer to group member)',
      unit: 'milliseconds, lower is better',
      groups: LATENCY_RATES.map((rate) => `${shortNumber(rate)} records/s`),
      series: result.groups.map((g) => ({ name: g.server, values: LATENCY_RATES.map((rate) => latency(g.server, rate, 'p99')) })),
    }),
  };
}

/** End-to-end latency and rebalance times per server, medians of the rounds, with ratios to Kafka's default. */
function groupTable(result: BrokerBenchResult): string {
  const reference = result.groups.find((g) => g.server === 'Apache Kafka 4.1.1');
  const latency = (g: (typeof result.groups)[number], rate: number, key: 'p50' | 'p99' | 'p999' | 'sent' | 'received'): number =>
    median(g.latency.filter((l) => l.rate === rate).map((l) => l[key]));
  const rebalance = (g: (typeof result.groups)[number], key: 'formMs' | 'joinMs' | 'leaveMs'): number => median(g.rebalance.map((r) => r[key]));
  const ms = (value: number): string => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  const latencyHeads = LATENCY_RATES.map((rate) => `${rate} rec/s p50 / p99 / p99.9`);
  const latencyRows = result.groups.map((g) => {
    const cells = LATENCY_RATES.map((rate) => {
      // A client that could not keep the rate is reported, not hidden.
      const arrived = latency(g, rate, 'received') / latency(g, rate, 'sent');
      const shortfall = arrived < 0.99 ? ` (${(arrived * 100).toFixed(0)}% arrived)` : '';
      return `${ms(latency(g, rate, 'p50'))} / ${ms(latency(g, rate, 'p99'))} / ${ms(latency(g, rate, 'p999'))}${shortfall}`;
    });
    const ratios = LATENCY_RATES.map((rate) => (reference ? (latency(g, rate, 'p99') / latency(reference, rate, 'p99')).toFixed(2) : 'n/a'));
    return `| ${g.server} | ${cells.join(' | ')} | ${ratios.map((r) => `${r}x`).join(' / ')} |`;
  });
  const rebalanceRows = result.groups.map((g) => {
    const keys = ['formMs', 'joinMs', 'leaveMs'] as const;
    return `| ${g.server} | ${keys.map((k) => `${ms(rebalance(g, k))}${reference ? ` (${(rebalance(g, k) / rebalance(reference, k)).toFixed(2)}x)` : ''}`).join(' | ')} |`;
  });
  return [
    `End-to-end latency: @platformatic/kafka producer (acks=all, 1 KiB records, fixed rate) to one consumer-group member on a 1-partition topic; ` +
      `${result.latencySeconds} s measured per run after 2 s of warm-up; median over the runs of each run's percentile.`,
    '',
    `| server | ${latencyHeads.join(' | ')} | p99 ratio to Apache Kafka (default) |`,
    `|---|${latencyHeads.map(() => '---|').join('')}---|`,
    ...latencyRows,
    '',
    'Rebalance time, group of 5 on a 10-partition topic (@platformatic/kafka, heartbeat every 250 ms, no initial rebalance delay): ' +
      'until every member holds an assignment of the same new generation; ratio to Apache Kafka (default) in brackets.',
    '',
    '| server | 5 members form a group | a 5th joins 4 | 1 of 5 leaves |',
    '|---|---|---|---|',
    ...rebalanceRows,
  ].join('\n');
}

function startupTable(cases: StartupCase[], samples: number): string {
  const reference = cases[0];
  const rows = cases.map((c) => {
    const ms = median(c.startMs);
    const ratio = reference ? (ms / median(reference.startMs)).toFixed(1) : 'n/a';
    return `| ${c.name} | ${ms.toFixed(0)} ms | ${ratio}x | ${median(c.rssMb).toFixed(0)} MB |`;
  });
  return [
    `From spawn until the port accepts a TCP connection, then RSS after ${500} ms idle; empty data directory; median of ${samples} starts of each, interleaved.`,
    '',
    '| process | start-up | ratio to Node.js alone | RSS idle |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function sdsProduceTable(r: SdsProduceBenchResult): string {
  const rows = r.rounds.map(
    (x, i) => `| ${i + 1} | ${x.kafkaRecordsPerSec.toFixed(0)} | ${x.sdsRecordsPerSec.toFixed(0)} | ${x.sdsWallSeconds.toFixed(1)} s | ${(x.sdsRecordsPerSec / x.kafkaRecordsPerSec).toFixed(2)}x |`,
  );
  return [
    `\`sds produce --throughput -1 --max-messages ${r.records}\` (1 KiB values, acks=all) and Kafka's ProducerPerformance with the same records, ` +
      `each to a new ${r.partitions}-partition topic on the ${r.server}. sds's rate is its own report (first send to last answer, as ProducerPerformance measures); ` +
      'the wall time includes Node.js loading the command.',
    '',
    '| round | ProducerPerformance records/s | sds produce records/s | sds produce wall time | ratio |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Median ratio: **${r.ratio.toFixed(2)}x**.`,
  ].join('\n');
}

function eventSourceTable(r: EventSourceBenchResult): string {
  const m = medians(r);
  const rows = [
    `| @platformatic/kafka Consumer (reference) | ${m.consumer.toFixed(0)} | 1.00x |`,
    ...BATCH_SIZES.map((size, i) => {
      const rate = m.mapping[i] ?? NaN;
      return `| event source mapping, BatchSize ${size} | ${rate.toFixed(0)} | ${(rate / m.consumer).toFixed(2)}x |`;
    }),
  ];
  return [
    `${r.records} records of ~100 bytes on a ${r.partitions}-partition topic of the embedded broker (in-process), read from the start by a new consumer group each time; ` +
      `the mapping (MaximumBatchingWindowInSeconds 0) invokes a no-op handler through the function host (${r.concurrency} workers); median of ${r.rounds.length} rounds.`,
    '',
    '| reader | records/s | ratio to the plain consumer |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

function firehoseTable(r: FirehoseBenchResult): string {
  const reference = medianOf(r.rounds.map((x) => x.referenceMbPerSec));
  const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
  const ingestRows = INGEST_CASES.map((c, i) => {
    const runs = r.rounds.map((x) => x.ingest[i]).filter((x) => x !== undefined);
    const rate = medianOf(runs.map((x) => x.mbPerSec));
    const objects = medianOf(runs.map((x) => x.objects));
    const stored = medianOf(runs.map((x) => x.storedBytes));
    return (
      `| PutRecordBatch to objects, ${c.format}, IntervalInSeconds ${c.intervalSeconds} | ${rate.toFixed(1)} | ${(rate / reference).toFixed(2)}x | ` +
      `${objects} objects of ${(stored / objects / 2 ** 20).toFixed(2)} MiB | ${medianOf(runs.map((x) => x.throttledRecords))} | ${pct(medianOf(runs.map((x) => x.eventLoopBusy)))} |`
    );
  });
  const p = (key: 'recordsPerSec' | 'seconds' | 'produceSeconds' | 'objects' | 'freshnessMedianMs' | 'freshnessMaxMs' | 'throttledRecords' | 'eventLoopBusy'): number =>
    medianOf(r.rounds.map((x) => x.pipeline[key]));
  return [
    `Ingest: ${(r.ingestBytes / 2 ** 20).toFixed(0)} MiB of 1 KiB records (JSON lines with random hex, gzip takes them to about half), ` +
      `PutRecordBatch calls of 500 records from @aws-sdk/client-firehose, ${IN_FLIGHT} in flight, to \`startFirehose\` in the same process ` +
      `(SizeInMBs ${BUFFERING.SizeInMBs}) with a FileBucket in a temp folder; the clock stops when DeliveryToS3.Bytes covers every byte ` +
      '(object count and sizes checked against the bucket\'s listing). Throttled records ("Slow down.") are sent again. ' +
      `Reference: the same bytes written sequentially to a file in the same folder, 500 KiB (one PutRecordBatch) per write, each followed by fdatasync. Median of ${r.rounds.length} rounds.`,
    '',
    '| run | MB/s | ratio to the reference | objects | throttled records | main thread busy |',
    '|---|---|---|---|---|---|',
    `| sequential write + fdatasync per 500 KiB (reference) | ${reference.toFixed(1)} | 1.00x | | | |`,
    ...ingestRows,
    '',
    `Pipeline (pattern 3 through \`startStack(checkConfig(...))\`): embedded broker, a ${PIPELINE.partitions}-partition topic, msk-to-firehose behind an event source mapping ` +
      `(BatchSize ${PIPELINE.batchSize}, window 0, 5 workers), a ${PIPELINE.compression} delivery stream (SizeInMBs ${BUFFERING.SizeInMBs}, IntervalInSeconds ${BUFFERING.IntervalInSeconds}); ` +
      `the stack is started, then ${r.records} records of 1 KiB are produced (@platformatic/kafka, acks=all, 500 per send, ${IN_FLIGHT} sends in flight); ` +
      'the clock runs from the first send until DeliveryToS3.Records reaches them all. DataFreshness (age of the oldest record not yet in the bucket) sampled every ~5 ms.',
    '',
    '| records/s | time | producing took | objects | DataFreshness median / max | throttled records | main thread busy |',
    '|---|---|---|---|---|---|---|',
    `| ${p('recordsPerSec').toFixed(0)} | ${p('seconds').toFixed(2)} s | ${p('produceSeconds').toFixed(2)} s | ${p('objects')} | ${p('freshnessMedianMs')} / ${p('freshnessMaxMs')} ms | ${p('throttledRecords')} | ${pct(p('eventLoopBusy'))} |`,
  ].join('\n');
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
    // No defaults here: event-source and firehose have their own.
    options: { rounds: { type: 'string' }, records: { type: 'string' }, 'ingest-mib': { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
  });
  const rounds = Number(values.rounds ?? '7');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    console.error('--rounds must be an integer from 1 to 100');
    process.exit(2);
  }
  const records = Number(values.records ?? '100000');
  if (!Number.isInteger(records) || records < 1000) {
    console.error('--records must be a whole number of at least 1000');
    process.exit(2);
  }
  const suites = positionals.length > 0 ? positionals : ['codec'];
  for (const suite of suites) {
    if (!['codec', 'broker', 'startup', 'sds-produce', 'event-source', 'firehose'].includes(suite)) {
      console.error(`unknown benchmark suite "${suite}"; available: codec, broker, startup, sds-produce, event-source, firehose`);
      process.exit(2);
    }
  }
  if (suites.includes('broker')) {
    const result = await runBrokerBenchmarks(records, Math.min(rounds, 3));
    const section = [`Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`, `Command: \`npm run bench -- broker --records ${records} --rounds ${Math.min(rounds, 3)}\`.`, '', brokerTable(result)].join('\n');
    console.log(section);
    if (!values['no-write']) {
      writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'broker', section));
      for (const [name, svg] of Object.entries(brokerCharts(result))) writeFileSync(new URL(`../docs/images/${name}`, import.meta.url), svg);
    }
  }
  if (suites.includes('startup')) {
    const samples = values.rounds === undefined ? 7 : rounds;
    const result = await runStartupBenchmark(samples);
    const section = [`Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`, `Command: \`npm run bench -- startup --rounds ${samples}\`.`, '', startupTable(result, samples)].join('\n');
    console.log(section);
    if (!values['no-write']) writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'startup', section));
  }
  if (suites.includes('sds-produce')) {
    const result = await runSdsProduceBenchmark(Math.max(records, 1000), Math.min(rounds, 3));
    const section = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
      `Command: \`npm run bench -- sds-produce --records ${records} --rounds ${Math.min(rounds, 3)}\`.`,
      '',
      sdsProduceTable(result),
    ].join('\n');
    console.log(section);
    if (!values['no-write']) writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'sds-produce', section));
  }
  if (suites.includes('event-source')) {
    const esRecords = values.records === undefined ? 200_000 : records;
    const esRounds = values.rounds === undefined ? 5 : rounds;
    const result = await runEventSourceBenchmark(esRecords, esRounds);
    const section = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
      `Command: \`npm run bench -- event-source --records ${esRecords} --rounds ${esRounds}\`.`,
      '',
      eventSourceTable(result),
    ].join('\n');
    console.log(section);
    if (!values['no-write']) writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'event-source', section));
  }
  if (suites.includes('firehose')) {
    const fhRecords = values.records === undefined ? 20_000 : records;
    const fhRounds = values.rounds === undefined ? 3 : rounds;
    const ingestMiB = Number(values['ingest-mib'] ?? '256');
    if (!Number.isInteger(ingestMiB) || ingestMiB < 1) {
      console.error('--ingest-mib must be a whole number of at least 1');
      process.exit(2);
    }
    const result = await runFirehoseBenchmark(ingestMiB, fhRecords, fhRounds);
    const section = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
      `Command: \`npm run bench -- firehose --ingest-mib ${ingestMiB} --records ${fhRecords} --rounds ${fhRounds}\`.`,
      '',
      firehoseTable(result),
    ].join('\n');
    console.log(section);
    if (!values['no-write']) writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), 'firehose', section));
  }
  if (!suites.includes('codec')) return;
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
