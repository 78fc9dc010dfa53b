// kcat (librdkafka): keyed records with headers, produced with each compression codec and read
// back. librdkafka's debug output ("-d msg") tells which codec each produced batch really used:
// librdkafka silently sends a batch uncompressed when the broker's advertised Produce range does
// not fit its feature checks (KAFKA-18659), or when compressing would not make it smaller, so the
// values are made compressible and the scenario fails on any batch that went out otherwise.
import { check } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { versions } from '../versions.ts';

const CLIENT = `kcat ${versions.kcat} (librdkafka ${versions.librdkafka})`;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const COUNT = 20;

function record(codec: string, i: number): { key: string; value: string } {
  return { key: `key-${i}`, value: `value-${codec}-${i}-`.repeat(40) };
}

function codecScenario(codec: (typeof CODECS)[number]): Scenario {
  return {
    name: `produce and consume keyed records with headers, -z ${codec}`,
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic(`kcat-${codec}`);
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const records = Array.from({ length: COUNT }, (_, i) => record(codec, i));
      const input = records.map((r) => `${r.key}\t${r.value}\n`).join('');
      const produced = check(
        await ctx.exec('kcat', [
          '-P', '-b', bootstrap, '-t', topic, '-p', '0', '-K', '\t',
          '-H', 'h1=first', '-H', `codec=${codec}`,
          '-z', codec, '-X', 'acks=all', '-d', 'msg',
        ], { input }),
        'kcat -P',
      );
      expect(!/Delivery failed|% ERROR/.test(produced.stderr), `kcat -P reported: ${firstMatch(produced.stderr, /((?:Delivery failed|% ERROR).*)/)}`);
      expect(
        !produced.stderr.includes('does not support compression'),
        `librdkafka sent the batch uncompressed: "${firstMatch(produced.stderr, /(Broker does not support compression.*)/)}"`,
      );
      // "Produce MessageSet with 20 message(s) (… bytes, ApiVersion 7, MsgVersion 2, …, gzip)"
      const batches = [...produced.stderr.matchAll(/Produce MessageSet with (\d+) message\(s\) \([^)]*ApiVersion (\d+), MsgVersion (\d+)[^)]*, (\w+)\)/g)];
      expect(batches.length > 0, 'no "Produce MessageSet" debug line from librdkafka');
      const sent = batches.reduce((n, m) => n + Number(m[1]), 0);
      expectEqual(sent, COUNT, 'records in produced batches');
      const expectedCodec = codec === 'none' ? 'uncompressed' : codec;
      for (const m of batches) {
        expectEqual(m[4], expectedCodec, 'codec of a produced batch');
        expectEqual(m[3], '2', 'record batch magic (MsgVersion)');
      }
      ctx.observe('produce-api-version', Number(batches[0]?.[2]));

      const consumed = check(
        await ctx.exec('kcat', [
          '-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(COUNT), '-e', '-q',
          '-f', '%o\t%k\t%s\t%h\n',
        ]),
        'kcat -C',
      );
      const rows = consumed.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
      expectEqual(rows.length, COUNT, 'records read');
      rows.forEach((row, i) => {
        expectEqual(row, [String(i), records[i]?.key ?? '', records[i]?.value ?? '', `h1=first,codec=${codec}`], `record ${i} (offset, key, value, headers)`);
      });
    },
  };
}

function firstMatch(text: string, re: RegExp): string {
  return (re.exec(text)?.[1] ?? '').slice(0, 200);
}

export const kcatScenarios: readonly Scenario[] = CODECS.map(codecScenario);
