/**
 * Child process of kill9.test.ts: appends batches from 4 concurrent appenders and prints
 * "ack <id> <count> <baseOffset> <lastOffset>" once each append has resolved (fsynced). The
 * parent SIGKILLs it at a random moment. Not a test file. Usage: kill-child.ts <dir> <cycle>
 */
import { encodeBatch } from '../../../src/protocol/records/index.ts';
import { PartitionLog } from '../../../src/broker/log/index.ts';
import { KILL_LOG_CONFIG, killRecords } from './kill-records.ts';

const [dir, cycle] = process.argv.slice(2);
if (dir === undefined || cycle === undefined) throw new Error('usage: kill-child.ts <dir> <cycle>');
// Never outlive a parent that failed to kill us.
setTimeout(() => process.exit(3), 20_000).unref();

const log = await PartitionLog.open(dir, KILL_LOG_CONFIG);
process.stdout.write(`ready ${log.logEndOffset}\n`);

async function appender(a: number): Promise<never> {
  for (let seq = 0; ; seq++) {
    const id = `${cycle}.${a}.${seq}`;
    const count = 1 + ((seq + a) % 4);
    const records = await encodeBatch({ records: killRecords(id, count) });
    const r = await log.append(records, { leaderEpoch: Number(cycle) });
    // Pipes are written synchronously on Linux: once this returns, the parent will see the line.
    process.stdout.write(`ack ${id} ${count} ${r.baseOffset} ${r.lastOffset}\n`);
  }
}

await Promise.all([0, 1, 2, 3].map(appender));
