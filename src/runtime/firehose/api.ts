/**
 * Firehose's JSON 1.1 API over HTTP, as `@aws-sdk/client-firehose` calls it: `POST /` with
 * `X-Amz-Target: Firehose_20150804.<Operation>` and a JSON body. Served: PutRecord,
 * PutRecordBatch, DescribeDeliveryStream, ListDeliveryStreams. Errors are answered as AWS
 * answers them: HTTP 400 (500 for ServiceUnavailableException) with `{"__type", "message"}`.
 * Requests are not signature-checked: this is a local service.
 *
 * Limits are checked before memory is allocated: the body's size (from Content-Length and while
 * it streams), each record's decoded size from its base64 length.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryStream, PutResult } from './delivery-stream.ts';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1000 * 1024;
/** 4 MiB of data in base64 plus the JSON around 500 records fits well within this. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const TARGET_PREFIX = 'Firehose_20150804.';

export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ApiContext {
  readonly streams: ReadonlyMap<string, DeliveryStream>;
  readonly region: string;
  readonly accountId: string;
  readonly createdAt: Date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new ApiError('InvalidArgumentException', `Request body of ${declared} bytes exceeds the limit of ${MAX_BODY_BYTES} bytes.`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiError('InvalidArgumentException', `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function streamOf(ctx: ApiContext, body: Record<string, unknown>): DeliveryStream {
  const name = body['DeliveryStreamName'];
  if (typeof name !== 'string' || name.length === 0) throw new ApiError('InvalidArgumentException', 'DeliveryStreamName is required.');
  const stream = ctx.streams.get(name);
  if (stream === undefined) throw new ApiError('ResourceNotFoundException', `Firehose ${name} under account ${ctx.accountId} not found.`);
  return stream;
}

/** A record's base64 text and the size it decodes to, checked without decoding it. */
interface EncodedRecord {
  readonly text: string;
  readonly size: number;
  /** Trailing "=" characters. */
  readonly padding: number;
  readonly where: string;
}

function encodedRecord(record: unknown, index: number | undefined): EncodedRecord {
  const where = index === undefined ? 'Record' : `Records[${index}]`;
  const text = isRecord(record) ? record['Data'] : undefined;
  if (typeof text !== 'string') throw new ApiError('SerializationException', `${where}.Data must be a base64 string.`);
  if (text.length % 4 !== 0) throw new ApiError('SerializationException', `${where}.Data is not valid base64.`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const size = (text.length / 4) * 3 - padding;
  if (size > MAX_RECORD_BYTES) {
    throw new ApiError('InvalidArgumentException', `Record size of ${size} bytes exceeds the maximum of ${MAX_RECORD_BYTES} bytes (1,000 KiB)${index === undefined ? '' : ` at Records[${index}]`}.`);
  }
  return { text, size, padding, where };
}

/** The record's bytes. */
function decode(record: EncodedRecord): Buffer {
  // Node's decoder skips characters outside the alphabet, so any such character shortens the
  // result: a length check is as strict as matching the text, and much cheaper on 4 MiB.
  const bytes = Buffer.from(record.text, 'base64');
  const firstPad = record.text.indexOf('=');
  if (bytes.length !== record.size || (firstPad !== -1 && firstPad < record.text.length - record.padding)) {
    throw new ApiError('SerializationException', `${record.where}.Data is not valid base64.`);
  }
  return bytes;
}

/** Decodes and journals the records, unless the stream is too far behind to take them ("Slow down."). */
async function put(stream: DeliveryStream, records: readonly EncodedRecord[]): Promise<PutResult[]> {
  const bytes = records.reduce((n, r) => n + r.size, 0);
  if (!stream.accepts(bytes)) return stream.refuse(records.length, bytes);
  return stream.put(records.map(decode));
}

async function putRecordBatch(ctx: ApiContext, body: Record<string, unknown>): Promise<unknown> {
  const records = body['Records'];
  if (!Array.isArray(records)) throw new ApiError('SerializationException', 'Records must be a list.');
  if (records.length === 0 || records.length > MAX_RECORDS_PER_CALL) {
    throw new ApiError('InvalidArgumentException', `Records has ${records.length} entries; a call takes 1 to ${MAX_RECORDS_PER_CALL}.`);
  }
  const encoded = records.map((r: unknown, i) => encodedRecord(r, i));
  const total = encoded.reduce((n, r) => n + r.size, 0);
  if (total > MAX_BYTES_PER_CALL) throw new ApiError('InvalidArgumentException', `Records total ${total} bytes; a call takes at most ${MAX_BYTES_PER_CALL} bytes (4 MiB).`);
  const results = await put(streamOf(ctx, body), encoded);
  return {
    FailedPutCount: results.filter((r) => 'errorCode' in r).length,
    Encrypted: false,
    RequestResponses: results.map((r: PutResult) => ('errorCode' in r ? { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage } : { RecordId: r.recordId })),
  };
}

async function putRecord(ctx: ApiContext, body: Record<string, unknown>): Promise<unknown> {
  const record = encodedRecord(body['Record'], undefined);
  const [result] = await put(streamOf(ctx, body), [record]);
  if (result === undefined || 'errorCode' in result) throw new ApiError('ServiceUnavailableException', result?.errorMessage ?? 'Slow down.', 500);
  return { RecordId: result.recordId, Encrypted: false };
}

function describe(ctx: ApiContext, body: Record<string, unknown>): unknown {
  const stream = streamOf(ctx, body);
  const s = stream.settings;
  const hints = { SizeInMBs: s.bufferSizeBytes / (1024 * 1024), IntervalInSeconds: s.bufferIntervalMs / 1000 };
  const processing = { Enabled: s.appendDelimiter, Processors: s.appendDelimiter ? [{ Type: 'AppendDelimiterToRecord', Parameters: [] }] : [] };
  return {
    DeliveryStreamDescription: {
      DeliveryStreamName: s.name,
      DeliveryStreamARN: `arn:aws:firehose:${ctx.region}:${ctx.accountId}:deliverystream/${s.name}`,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
      VersionId: String(s.version),
      CreateTimestamp: ctx.createdAt.getTime() / 1000,
      Destinations: [
        {
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationDescription: {
            RoleARN: `arn:aws:iam::${ctx.accountId}:role/local-firehose`,
            BucketARN: `arn:aws:s3:::${s.bucket}`,
            ...(s.prefix !== undefined ? { Prefix: s.prefix } : {}),
            ...(s.errorOutputPrefix !== undefined ? { ErrorOutputPrefix: s.errorOutputPrefix } : {}),
            BufferingHints: hints,
            CompressionFormat: s.compression,
            EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
            ProcessingConfiguration: processing,
          },
        },
      ],
      HasMoreDestinations: false,
    },
  };
}

function list(ctx: ApiContext, body: Record<string, unknown>): unknown {
  const limit = body['Limit'] ?? 10;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ApiError('InvalidArgumentException', 'Limit must be a whole number from 1 to 10000.');
  const type = body['DeliveryStreamType'];
  const after = body['ExclusiveStartDeliveryStreamName'];
  // Every local stream is DirectPut.
  const names = [...ctx.streams.keys()].sort().filter((n) => (typeof after !== 'string' || n > after) && (type === undefined || type === 'DirectPut'));
  return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
}

const OPERATIONS: Record<string, (ctx: ApiContext, body: Record<string, unknown>) => unknown> = {
  PutRecord: putRecord,
  PutRecordBatch: putRecordBatch,
  DescribeDeliveryStream: describe,
  ListDeliveryStreams: list,
};

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType !== undefined ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

/** Answers one HTTP request. */
export async function handleRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'POST') throw new ApiError('UnknownOperationException', `${req.method ?? ''} is not served; the Firehose API takes POST /.`);
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? OPERATIONS[target.slice(TARGET_PREFIX.length)] : undefined;
    if (operation === undefined) throw new ApiError('UnknownOperationException', `Unknown operation ${JSON.stringify(target ?? null)}.`);
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('SerializationException', 'The request body is not valid JSON.');
    }
    if (!isRecord(body)) throw new ApiError('SerializationException', 'The request body must be a JSON object.');
    send(res, 200, await operation(ctx, body));
  } catch (error: unknown) {
    if (error instanceof ApiError) send(res, error.status, { __type: error.type, message: error.message }, error.type);
    else send(res, 500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) }, 'InternalFailure');
  }
}
