/**
 * `sds bucket ls|cat|get`: the buckets of the sds config (the delivery streams' destinations),
 * local folders or S3, as `aws s3 ls` / `aws s3 cp` would show them. `cat` decompresses what the
 * local Firehose compressed, from the key's extension.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';
import { loadConfigOrDefaults, type SdsConfig } from '../config/sds-config.ts';
import { SdsError } from '../errors.ts';
import { decompress, type CompressionFormat } from '../runtime/firehose/compression.ts';
import { openObjectStore, type ObjectStore } from '../runtime/object-store/index.ts';
import { configFileFlag } from './up.ts';

interface BucketFlags {
  configFile?: string;
  dataDir?: string;
}

/** cat refuses to expand an object beyond this (a decompression bomb, or simply too much for a terminal). */
const MAX_CAT_BYTES = 512 * 1024 * 1024;
const SNAPPY_FRAMING = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

function bucketsOf(config: SdsConfig): Map<string, string> {
  const buckets = new Map(config.firehose?.buckets ?? []);
  for (const fn of config.functions) {
    for (const source of fn.eventSources) {
      const target = source.onFailure;
      if (target?.kind === 'bucket' && !buckets.has(target.bucket)) buckets.set(target.bucket, join(config.dataDir, 'buckets', target.bucket));
    }
  }
  return buckets;
}

function openBucket(flags: BucketFlags, name: string | undefined): { name: string; store: ObjectStore } {
  const config = loadConfigOrDefaults(configFileFlag(flags), DEFAULT_CONFIG_FILE, flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {});
  const buckets = bucketsOf(config);
  const chosen = name ?? (buckets.size === 1 ? [...buckets.keys()][0] : undefined);
  if (chosen === undefined) {
    throw new SdsError('SDS_ERR_BUCKET_NOT_FOUND', buckets.size === 0 ? 'the config names no bucket (deliveryStreams BucketARN, or an on-failure destination)' : `name a bucket: ${[...buckets.keys()].join(', ')}`);
  }
  const target = buckets.get(chosen);
  if (target === undefined) throw new SdsError('SDS_ERR_BUCKET_NOT_FOUND', `the config has no bucket ${chosen}${buckets.size > 0 ? ` (buckets: ${[...buckets.keys()].join(', ')})` : ''}`);
  return { name: chosen, store: openObjectStore(target) };
}

/** The compression an object was written with, from its key (and, for .snappy, its first bytes). */
export function formatOf(key: string, body: Buffer): CompressionFormat {
  if (key.endsWith('.gz')) return 'GZIP';
  if (key.endsWith('.zip')) return 'ZIP';
  if (key.endsWith('.snappy')) return body.subarray(0, SNAPPY_FRAMING.length).equals(SNAPPY_FRAMING) ? 'Snappy' : 'HADOOP_SNAPPY';
  return 'UNCOMPRESSED';
}

async function ls(name: string | undefined, flags: BucketFlags & { prefix?: string; json?: boolean }): Promise<void> {
  const { store } = openBucket(flags, name);
  let token: string | undefined;
  do {
    const page = await store.list(flags.prefix ?? '', token !== undefined ? { token } : {});
    for (const o of page.objects) {
      process.stdout.write(flags.json === true ? `${JSON.stringify({ key: o.key, size: o.size, lastModified: o.lastModified.toISOString() })}\n` : `${o.lastModified.toISOString()}\t${String(o.size).padStart(10)}\t${o.key}\n`);
    }
    token = page.nextToken;
  } while (token !== undefined);
}

async function cat(name: string, key: string, flags: BucketFlags): Promise<void> {
  const { store } = openBucket(flags, name);
  const body = await store.get(key);
  process.stdout.write(await decompress(formatOf(key, body), body, MAX_CAT_BYTES));
}

async function get(name: string, key: string, flags: BucketFlags & { output?: string }): Promise<void> {
  const { store } = openBucket(flags, name);
  const body = await store.get(key);
  if (flags.output === undefined || flags.output === '-') process.stdout.write(body);
  else await writeFile(flags.output, body);
}

export function registerBucketCommands(program: Command): void {
  const configOption = `the sds config file (default: ${DEFAULT_CONFIG_FILE}, or SDS_CONFIG)`;
  const dataDirOption = 'the data folder given to sds up --data-dir (default: dataDir of the config)';
  const bucket = program.command('bucket').description('the buckets the local Firehose writes to (local folders or S3)');
  bucket
    .command('ls')
    .description('the objects of a bucket, oldest key first')
    .argument('[bucket]', 'the bucket name (default: the only bucket of the config)')
    .option('--prefix <prefix>', 'only keys starting with this')
    .option('--json', 'one JSON object per line')
    .option('--config-file <file>', configOption)
    .option('--data-dir <dir>', dataDirOption)
    .action(ls);
  bucket
    .command('cat')
    .description('an object\'s contents, decompressed (gzip, zip, snappy) as the key\'s extension says')
    .argument('<bucket>', 'the bucket name')
    .argument('<key>', 'the object key')
    .option('--config-file <file>', configOption)
    .option('--data-dir <dir>', dataDirOption)
    .action(cat);
  bucket
    .command('get')
    .description('an object\'s bytes as stored')
    .argument('<bucket>', 'the bucket name')
    .argument('<key>', 'the object key')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--config-file <file>', configOption)
    .option('--data-dir <dir>', dataDirOption)
    .action(get);
}
