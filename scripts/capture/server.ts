/**
 * A tiny Kafka-speaking server on 127.0.0.1 that answers with our codec and keeps one request
 * frame (without its size prefix) per (API, version): the fixture bytes. Requests on a
 * connection are handled one at a time and answered in order, as Kafka does.
 *
 * Anything our codec cannot read, and anything a handler cannot answer, is recorded as a
 * problem (with the frame in hex) instead of crashing: those are the findings of a capture.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import {
  FrameDecoder,
  decodeRequestBody,
  encodeResponse,
  isKnownApiKey,
  readRequestFrame,
} from '../../src/protocol/frame.ts';
import { API_SPECS, type ApiKey, type ApiRequestMap, type ApiResponseMap } from '../../src/protocol/generated/apis.ts';
import type { Loose } from '../../src/protocol/primitives/loose.ts';
import type { RequestHeader } from '../../src/protocol/generated/request-header.ts';
import { kebabName } from '../../test/support/capture-manifest.ts';
import { advertisedRange } from './advertised.ts';
import { HANDLERS, type CaptureContext, type CaptureState, type HandlerResult } from './handlers.ts';

const API_VERSIONS_KEY = 18;
const UNSUPPORTED_VERSION = 35;
const HOST = '127.0.0.1';

export interface CapturedFrame {
  readonly file: string;
  readonly apiKey: number;
  readonly apiName: string;
  readonly version: number;
  readonly frame: Buffer;
  /** Higher scores replace a frame already kept under the same file name. */
  readonly score: number;
}

export interface CaptureProblem {
  readonly stage: 'frame' | 'version' | 'decode' | 'handler' | 'encode';
  readonly apiKey: number;
  readonly version: number;
  readonly clientId: string | null;
  readonly message: string;
  readonly hex: string;
}

export interface CaptureServerOptions {
  /** One line per request, for the capture log. */
  readonly log?: (line: string) => void;
}

export function fixtureFileName(apiKey: number, version: number, variant: string | null): string {
  const name = isKnownApiKey(apiKey) ? kebabName(API_SPECS[apiKey].name) : `api-${apiKey}`;
  const suffix = apiKey === 0 && variant !== null ? `-${variant}` : '';
  return `${name}-request-v${version}${suffix}.bin`;
}

/** How informative a request is, so the kept fixture is one that carries the values we assert. */
function scoreOf(req: ApiRequestMap[ApiKey]): number {
  if ('allowAutoTopicCreation' in req) return req.topics !== null && req.topics.length > 0 ? 1 : 0; // Metadata
  if ('topicData' in req) {
    // Produce
    return req.topicData.some((t) => t.partitionData.some((p) => p.records !== null && p.records.length > 0)) ? 1 : 0;
  }
  if ('generationIdOrMemberEpoch' in req) return req.topics.some((t) => t.partitions.length > 0) ? 1 : 0; // OffsetCommit
  return 0;
}

export class CaptureServer {
  readonly frames = new Map<string, CapturedFrame>();
  readonly problems: CaptureProblem[] = [];
  /** Appended to Produce fixture names (e.g. the compression codec of this run). */
  variant: string | null = null;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly state: CaptureState = { topics: new Set(), nextMemberId: 0 };
  private readonly log: (line: string) => void;
  private listeningPort = 0;

  constructor(options: CaptureServerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.server = createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return this.listeningPort;
  }

  async start(): Promise<void> {
    this.server.listen(0, HOST);
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('capture server has no TCP address');
    this.listeningPort = address.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.problem('frame', -1, -1, null, errorText(err), chunk);
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const copy = Buffer.from(frame);
        queue = queue
          .then(() => this.handle(socket, copy))
          .catch((err: unknown) => {
            const [apiKey, version] = copy.length >= 4 ? [copy.readInt16BE(0), copy.readInt16BE(2)] : [-1, -1];
            this.problem('handler', apiKey, version, null, errorText(err), copy);
            socket.destroy();
          });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async handle(socket: Socket, frame: Buffer): Promise<void> {
    if (socket.destroyed) return;
    if (frame.length < 8) {
      this.problem('frame', -1, -1, null, `request of ${frame.length} bytes is too short`, frame);
      socket.destroy();
      return;
    }
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const range = advertisedRange(apiKey);
    const file = fixtureFileName(apiKey, version, this.variant);

    if (!isKnownApiKey(apiKey) || range === undefined || version < range.minVersion || version > range.maxVersion) {
      this.keep(file, apiKey, version, frame, 0);
      if (apiKey === API_VERSIONS_KEY) {
        // Kafka answers any ApiVersions version: error 35 in a v0 body listing ApiVersions itself.
        this.log(`ApiVersions v${version} (unsupported) -> error ${UNSUPPORTED_VERSION}`);
        this.send(socket, API_VERSIONS_KEY, 0, correlationId, {
          errorCode: UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: range?.minVersion ?? 0, maxVersion: range?.maxVersion ?? 0 }],
        });
        return;
      }
      // Kafka closes the connection without a response.
      this.problem('version', apiKey, version, null, 'API key or version not advertised; connection closed', frame);
      socket.destroy();
      return;
    }
    await this.dispatch(socket, apiKey, version, correlationId, file, frame);
  }

  private async dispatch<K extends ApiKey>(
    socket: Socket,
    apiKey: K,
    version: number,
    correlationId: number,
    file: string,
    frame: Buffer,
  ): Promise<void> {
    let header: RequestHeader;
    let body: ApiRequestMap[K];
    try {
      const parsed = readRequestFrame(frame);
      header = parsed.header;
      body = decodeRequestBody(apiKey, version, parsed.body);
    } catch (err) {
      this.keep(file, apiKey, version, frame, 0);
      this.problem('decode', apiKey, version, clientIdOf(frame), errorText(err), frame);
      socket.destroy();
      return;
    }
    this.keep(file, apiKey, version, frame, scoreOf(body));
    this.log(`${header.clientId ?? '-'} ${API_SPECS[apiKey].name} v${version} (${frame.length} bytes)`);

    const handler = HANDLERS[apiKey];
    const ctx: CaptureContext = { version, header, host: HOST, port: this.listeningPort, state: this.state };
    let response: HandlerResult<K>;
    try {
      // Every field of a Loose body is optional, so {} is a valid all-defaults body for any API.
      response = handler === undefined ? ({} as HandlerResult<K>) : await handler(body, ctx);
    } catch (err) {
      this.problem('handler', apiKey, version, header.clientId, errorText(err), frame);
      socket.destroy();
      return;
    }
    if (handler === undefined) this.log(`  no handler for ${API_SPECS[apiKey].name}: answered with defaults`);
    if (response === null) return;
    try {
      this.send(socket, apiKey, version, correlationId, response);
    } catch (err) {
      this.problem('encode', apiKey, version, header.clientId, errorText(err), frame);
      socket.destroy();
    }
  }

  private send<K extends ApiKey>(
    socket: Socket,
    apiKey: K,
    version: number,
    correlationId: number,
    body: Loose<ApiResponseMap[K]>,
  ): void {
    const chunks = encodeResponse(apiKey, version, correlationId, body);
    if (socket.destroyed) return;
    socket.cork();
    for (const c of chunks) socket.write(c);
    socket.uncork();
  }

  private keep(file: string, apiKey: number, version: number, frame: Buffer, score: number): void {
    const existing = this.frames.get(file);
    if (existing !== undefined && existing.score >= score) return;
    const apiName = isKnownApiKey(apiKey) ? API_SPECS[apiKey].name : `Api${apiKey}`;
    this.frames.set(file, { file, apiKey, apiName, version, frame, score });
  }

  private problem(
    stage: CaptureProblem['stage'],
    apiKey: number,
    version: number,
    clientId: string | null,
    message: string,
    frame: Buffer,
  ): void {
    const seen = this.problems.some((p) => p.stage === stage && p.apiKey === apiKey && p.version === version && p.message === message);
    if (seen) return;
    this.problems.push({ stage, apiKey, version, clientId, message, hex: frame.toString('hex') });
    this.log(`PROBLEM (${stage}) api ${apiKey} v${version}: ${message}`);
  }
}

/** The client id of a request header, read by hand (for problem reports when decoding failed). */
function clientIdOf(frame: Buffer): string | null {
  if (frame.length < 10) return null;
  const length = frame.readInt16BE(8);
  if (length < 0 || frame.length < 10 + length) return null;
  return frame.toString('utf8', 10, 10 + length);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
