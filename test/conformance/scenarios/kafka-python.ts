// kafka-python (Debian's python3-kafka, or kafka-python 2.3.2 from PyPI where apt lacks it):
// produce to explicit partitions and read each partition back by assignment (no group).
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { kafkaPython, versions } from '../versions.ts';

const PEER = join(REPO_ROOT, 'test/conformance/peers/kafka_python_peer.py');
const PARTITIONS = 3;
const PER_PARTITION = 10;

interface PeerRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string])[];
}
interface PeerReport {
  readonly acked: readonly (readonly [number, number])[];
  readonly read: Readonly<Record<string, readonly PeerRecord[]>>;
  readonly end_offsets: Readonly<Record<string, number>>;
  readonly api_version: readonly number[];
}

export const kafkaPythonScenarios: readonly Scenario[] = [
  {
    name: 'produce to 3 partitions, consume each partition by assignment',
    client: `kafka-python ${versions.kafkaPython}`,
    async run(bootstrap, ctx) {
      expect(kafkaPython !== null, 'kafka-python is not installed (bash scripts/conformance/install.sh)');
      const topic = ctx.topic('kafka-python');
      await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));
      const result = check(
        await ctx.exec(kafkaPython.python, [PEER, bootstrap, topic, String(PARTITIONS), String(PER_PARTITION)], { timeoutMs: 60_000 }),
        'kafka_python_peer.py',
      );
      const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as PeerReport;
      expectEqual(report.acked.length, PARTITIONS * PER_PARTITION, 'acknowledged records');
      for (let p = 0; p < PARTITIONS; p++) {
        const offsets = report.acked.filter(([part]) => part === p).map(([, offset]) => offset);
        expectEqual(offsets, Array.from({ length: PER_PARTITION }, (_, i) => i), `acknowledged offsets of partition ${p}`);
        const read = report.read[String(p)] ?? [];
        expectEqual(read.length, PER_PARTITION, `records read from partition ${p}`);
        read.forEach((r, i) => {
          expectEqual(
            [r.offset, r.key, r.value, r.headers],
            [i, `k-${p}-${i}`, `v-${p}-${i}`, [['seq', String(i)], ['src', 'kafka-python']]],
            `partition ${p} record ${i}`,
          );
        });
        expectEqual(report.end_offsets[String(p)], PER_PARTITION, `end offset of partition ${p}`);
      }
      // Inferred from ApiVersions: shown, not compared (it depends on which optional APIs a server has).
      ctx.note(`inferred broker ${report.api_version.join('.')}`);
    },
  },
];
