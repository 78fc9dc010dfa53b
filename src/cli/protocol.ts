/**
 * `sds protocol apis` lists the Kafka APIs and versions the codec reads and writes;
 * `sds protocol decode` turns a captured request frame into JSON, for debugging clients.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { API_SPECS } from '../protocol/generated/apis.ts';
import { readRequestFrame, decodeRequestBody, isKnownApiKey } from '../protocol/frame.ts';
import { SdsError } from '../errors.ts';

export function registerProtocolCommands(program: Command): void {
  const protocol = program.command('protocol').description('inspect the Kafka wire protocol codec');

  protocol
    .command('apis')
    .description('list every Kafka API with the versions the codec supports')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = Object.values(API_SPECS).map((s) => ({
        apiKey: s.apiKey,
        name: s.name,
        minVersion: s.minVersion,
        maxVersion: s.maxVersion,
        firstFlexibleVersion: s.firstFlexibleVersion,
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${'key'.padStart(4)}  ${'api'.padEnd(34)} versions  flexible\n`);
      for (const r of rows) {
        const flexible = r.firstFlexibleVersion < 0 ? 'none' : `${r.firstFlexibleVersion}+`;
        process.stdout.write(`${String(r.apiKey).padStart(4)}  ${r.name.padEnd(34)} ${`${r.minVersion}-${r.maxVersion}`.padEnd(9)} ${flexible}\n`);
      }
      process.stdout.write(`${rows.length} APIs, Kafka 4.1.1 message definitions\n`);
    });

  protocol
    .command('decode')
    .description('decode one request frame (a file of raw bytes, with or without the size prefix) to JSON')
    .argument('<file>', 'file holding the frame')
    .option('--hex', 'the file holds hexadecimal text instead of raw bytes')
    .action((file: string, opts: { hex?: boolean }) => {
      const frame = stripSizePrefix(readFrameFile(file, opts.hex === true));
      const { header, body } = readRequestFrame(frame);
      const key = header.requestApiKey;
      if (!isKnownApiKey(key)) {
        throw new SdsError('SDS_ERR_CLI_UNKNOWN_API', `API key ${key} is not a Kafka API known to this codec; check that the file holds a request frame`);
      }
      const request = decodeRequestBody(key, header.requestApiVersion, body);
      process.stdout.write(`${JSON.stringify({ api: API_SPECS[key].name, header, request }, jsonReplacer, 2)}\n`);
    });
}

function readFrameFile(file: string, hex: boolean): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e: unknown) {
    throw new SdsError('SDS_ERR_CLI_READ_FILE', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!hex) return raw;
  const text = raw.toString('utf8').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new SdsError('SDS_ERR_CLI_BAD_HEX', `${file} is not hexadecimal text (pairs of 0-9 a-f); drop --hex for a binary file`);
  }
  return Buffer.from(text, 'hex');
}

/** Accepts a frame with its int32 size prefix (as on the wire) or without it. */
function stripSizePrefix(bytes: Buffer): Buffer {
  if (bytes.length >= 4 && bytes.readInt32BE(0) === bytes.length - 4) return bytes.subarray(4);
  return bytes;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    return { base64: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}
