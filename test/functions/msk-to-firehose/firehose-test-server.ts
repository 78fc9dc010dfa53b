/**
 * A minimal Firehose for the forwarder's wire tests: `POST /` with Firehose's JSON 1.1
 * PutRecordBatch (X-Amz-Target Firehose_20150804.PutRecordBatch, base64 Data), answered with
 * {"FailedPutCount","Encrypted","RequestResponses"}. A test scripts what each call does. The
 * project's full local Firehose lives in src/runtime/firehose; this one stays in the test folder.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  readonly headers: IncomingHttpHeaders;
  readonly streamName: unknown;
  readonly records: Buffer[];
}

/** What the server does with one call: fail some entries by index, answer an error, or drop the connection. */
export type CallPlan =
  | { readonly failIndexes: readonly number[]; readonly errorCode?: string; readonly errorMessage?: string }
  | { readonly status: number; readonly type: string; readonly message: string }
  | { readonly dropConnection: true };

export interface TestFirehose {
  readonly endpoint: string;
  readonly streamName: string;
  readonly calls: ReceivedCall[];
  /** Plans for the next calls, in order; a call with no plan succeeds. */
  readonly plans: CallPlan[];
  /** Every record Firehose acknowledged, in the order it took them. */
  readonly accepted: Buffer[];
  close(): Promise<void>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startTestFirehose(streamName: string): Promise<TestFirehose> {
  const calls: ReceivedCall[] = [];
  const plans: CallPlan[] = [];
  const accepted: Buffer[] = [];
  let sequence = 0;

  const reply = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `req-${++sequence}`,
      ...(errorType !== undefined ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/' || req.headers['x-amz-target'] !== 'Firehose_20150804.PutRecordBatch') {
        reply(res, 400, { __type: 'UnknownOperationException', message: `unexpected ${req.method ?? ''} ${req.url ?? ''} ${String(req.headers['x-amz-target'])}` }, 'UnknownOperationException');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const list = isObject(body) && Array.isArray(body['Records']) ? (body['Records'] as unknown[]) : [];
      const records = list.map((r) => Buffer.from(isObject(r) && typeof r['Data'] === 'string' ? r['Data'] : '', 'base64'));
      const name = isObject(body) ? body['DeliveryStreamName'] : undefined;
      calls.push({ headers: req.headers, streamName: name, records });
      const plan = plans.shift();
      if (plan !== undefined && 'dropConnection' in plan) {
        req.socket.destroy();
        return;
      }
      if (plan !== undefined && 'status' in plan) {
        reply(res, plan.status, { __type: plan.type, message: plan.message }, plan.type);
        return;
      }
      if (name !== streamName) {
        reply(res, 400, { __type: 'ResourceNotFoundException', message: `Firehose ${String(name)} under account 123456789012 not found.` }, 'ResourceNotFoundException');
        return;
      }
      const fail = new Set(plan?.failIndexes ?? []);
      const responses = records.map((data, i) => {
        if (fail.has(i)) return { ErrorCode: plan?.errorCode ?? 'ServiceUnavailableException', ErrorMessage: plan?.errorMessage ?? 'Slow down.' };
        accepted.push(data);
        return { RecordId: `rec-${sequence}-${i}` };
      });
      reply(res, 200, { FailedPutCount: fail.size, Encrypted: false, RequestResponses: responses });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    streamName,
    calls,
    plans,
    accepted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
