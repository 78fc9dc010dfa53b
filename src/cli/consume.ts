/**
 * `sds consume`: kafka-console-consumer's flags and output against any Kafka. Records go to
 * stdout, "Processed a total of N messages" to stderr at the end, as Kafka's tool prints it.
 * Ctrl-C (or SIGTERM) stops cleanly: offsets committed, group left, total printed, exit 0;
 * a second Ctrl-C exits at once.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { call } from '../client/clients.ts';
import { consume, type ConsumedRecord, type ConsumeInput } from '../client/consume.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { parseNonNegativeInt, parsePositiveInt, UsageError } from './options.ts';
import { DEFAULT_FORMAT, formatJson, formatText, KEY_FORMATS, VALUE_FORMATS, type KeyFormat, type RecordFormat, type ValueFormat } from './record-format.ts';

interface ConsumeFlags extends ConnectionFlags {
  topic: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: number;
  offset?: 'earliest' | 'latest' | bigint;
  maxMessages?: number;
  timeoutMs?: number;
  printKey?: boolean;
  printTimestamp?: boolean;
  printHeaders?: boolean;
  printPartition?: boolean;
  printOffset?: boolean;
  keySeparator: string;
  keyFormat: KeyFormat;
  valueFormat: ValueFormat;
  json?: boolean;
}

/** `earliest`, `latest` or an offset, as kafka-console-consumer's --offset. */
export function parseOffset(value: string): 'earliest' | 'latest' | bigint {
  const lower = value.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return lower;
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > 0x7fff_ffff_ffff_ffffn) throw new InvalidArgumentError('expected earliest, latest, or an offset (a whole number from 0).');
  return BigInt(value);
}

/** Flag combinations kafka-console-consumer refuses too. */
function inputFrom(flags: ConsumeFlags): ConsumeInput {
  if (flags.offset !== undefined && flags.partition === undefined) throw new UsageError('sds consume: --offset needs --partition');
  if (flags.group !== undefined && flags.partition !== undefined) {
    throw new UsageError('sds consume: --group and --partition cannot be used together (a group assigns partitions to its members)');
  }
  if (flags.fromBeginning === true && flags.offset !== undefined) throw new UsageError('sds consume: --from-beginning and --offset cannot be used together');
  if (flags.group !== undefined && !/^\S+$/.test(flags.group)) throw new UsageError('sds consume: --group must not be empty or contain spaces');
  const from = flags.fromBeginning === true ? 'earliest' : 'latest';
  return {
    topic: flags.topic,
    ...(flags.group !== undefined ? { group: flags.group } : {}),
    ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
    start: flags.offset ?? from,
    reset: from,
    ...(flags.maxMessages !== undefined ? { maxMessages: flags.maxMessages } : {}),
    ...(flags.timeoutMs !== undefined ? { idleTimeoutMs: flags.timeoutMs } : {}),
  };
}

/** Writes to stdout, waiting when the pipe is full; once stdout fails, stops the consumer and writes nothing more. */
class Output {
  closed = false;

  constructor(private readonly onClosed: () => void) {
    // EPIPE (the reader went away, as with `| head`) or any other write failure: stop reading.
    process.stdout.on('error', () => {
      this.closed = true;
      this.onClosed();
    });
  }

  async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!process.stdout.write(text)) {
      await new Promise<void>((ok) => {
        const done = (): void => {
          process.stdout.off('drain', done);
          process.stdout.off('error', done);
          ok();
        };
        process.stdout.on('drain', done);
        process.stdout.on('error', done);
      });
    }
  }
}

async function runConsume(flags: ConsumeFlags): Promise<void> {
  const input = inputFrom(flags);
  const format: RecordFormat = {
    ...DEFAULT_FORMAT,
    printTimestamp: flags.printTimestamp === true,
    printPartition: flags.printPartition === true,
    printOffset: flags.printOffset === true,
    printHeaders: flags.printHeaders === true,
    printKey: flags.printKey === true,
    separator: flags.keySeparator,
    keyFormat: flags.keyFormat,
    valueFormat: flags.valueFormat,
  };
  const connection = connectionFrom(flags, 'sds-consume');
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const output = new Output(() => stop.abort());
  let started = false;
  let count = 0;
  const print = flags.json === true ? (r: ConsumedRecord) => formatJson(r, format) : (r: ConsumedRecord) => formatText(r, format);
  try {
    await call(connection, `consuming from topic ${flags.topic}`, () =>
      consume(
        connection,
        { ...input, signal: stop.signal },
        {
          onReady: () => {
            started = true;
          },
          onRecord: async (record) => {
            await output.write(print(record));
            count++;
          },
        },
      ),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (started) process.stderr.write(`Processed a total of ${count} messages\n`);
  }
}

export function registerConsumeCommand(program: Command): void {
  addConnectionOptions(program.command('consume').description('print the records of a topic (like kafka-console-consumer)'))
    .requiredOption('--topic <name>', 'the topic to read')
    .option('--group <id>', 'read as a member of this consumer group, from its committed offsets, committing what is printed (default: no group, nothing committed)')
    .option('--from-beginning', 'start at the earliest record where there is no committed offset (default: only new records)')
    .option('--partition <n>', 'read only this partition (not with --group)', parseNonNegativeInt)
    .option('--offset <offset>', 'with --partition: start at earliest, latest, or this offset', parseOffset)
    .option('--max-messages <n>', 'exit after printing this many records', parsePositiveInt)
    .option('--timeout-ms <ms>', 'exit when no record arrived for this long', parseNonNegativeInt)
    .option('--print-key', 'print the key before the value')
    .option('--print-timestamp', 'print the timestamp as CreateTime:MS or LogAppendTime:MS')
    .option('--print-headers', 'print the headers as key:value,key:value (NO_HEADERS when none)')
    .option('--print-partition', 'print Partition:N')
    .option('--print-offset', 'print Offset:N')
    .option('--key-separator <text>', 'between the printed columns', '\t')
    .addOption(new Option('--key-format <format>', 'how to print keys').choices(KEY_FORMATS).default('utf8'))
    .addOption(new Option('--value-format <format>', 'how to print values; json pretty-prints values that are JSON and prints others as text').choices(VALUE_FORMATS).default('utf8'))
    .option('--json', 'one JSON object per record: topic, partition, offset, timestamp, key, value, headers')
    .action(async (flags: ConsumeFlags) => {
      await runConsume(flags);
    });
}
