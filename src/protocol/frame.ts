/**
 * Kafka framing: every request and response is an int32 size followed by that many bytes,
 * a header, then the body. This module splits a byte stream into frames (refusing a frame
 * above the configured maximum before allocating it) and picks the header version that
 * each API and version uses.
 */
import { ProtocolError } from './errors.ts';
import { Reader } from './primitives/reader.ts';
import { Writer } from './primitives/writer.ts';
import type { Loose } from './primitives/loose.ts';
import { API_SPECS, type ApiKey, type ApiRequestMap, type ApiResponseMap } from './generated/apis.ts';
import { readRequestHeader, writeRequestHeader, type RequestHeader } from './generated/request-header.ts';
import { readResponseHeader, writeResponseHeader } from './generated/response-header.ts';

/** Kafka's default for socket.request.max.bytes (100 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

const API_VERSIONS_KEY = 18;

export function isKnownApiKey(apiKey: number): apiKey is ApiKey {
  return Object.hasOwn(API_SPECS, apiKey);
}

/** True when this API uses the flexible encoding at this version (also above its maximum). */
export function isFlexible(apiKey: number, version: number): boolean {
  if (!isKnownApiKey(apiKey)) return false;
  const first = API_SPECS[apiKey].firstFlexibleVersion;
  return first >= 0 && version >= first;
}

/** Request header v2 for flexible versions, v1 otherwise. */
export function requestHeaderVersion(apiKey: number, version: number): 1 | 2 {
  return isFlexible(apiKey, version) ? 2 : 1;
}

/** Response header v1 for flexible versions, v0 otherwise; ApiVersions always v0. */
export function responseHeaderVersion(apiKey: number, version: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

/**
 * Splits a stream into frames. Bytes are kept as the chunks that arrived until a frame is
 * complete, so a large frame costs one copy, and a size above `maxFrameBytes` is refused
 * as soon as its four size bytes arrive.
 */
export class FrameDecoder {
  private maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Changes the limit for frames not yet started (a SASL listener allows less before login). */
  setLimit(maxFrameBytes: number): void {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds bytes; returns every frame (without its size prefix) now complete. */
  push(chunk: Buffer): Buffer[] {
    this.append(chunk);
    const frames: Buffer[] = [];
    for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Adds bytes without taking frames out, for a reader that takes them one at a time with next(). */
  append(chunk: Buffer): void {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  /** The next complete frame (without its size prefix), or undefined until more bytes arrive. */
  next(): Buffer | undefined {
    if (this.expected < 0) {
      if (this.buffered < 4) return undefined;
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) {
        throw new ProtocolError(
          'SDS_ERR_PROTOCOL_FRAME_TOO_LARGE',
          size < 0 ? `invalid frame size ${size}` : `frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`,
        );
      }
      this.take(4);
      this.expected = size;
    }
    if (this.buffered < this.expected) return undefined;
    const frame = this.take(this.expected);
    this.expected = -1;
    return frame;
  }

  private peekSize(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  /** Removes `n` buffered bytes; a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const used = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, used);
      filled += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}

/** A request whose header has been read; the body is left for the handler to decode. */
export interface RequestFrame {
  readonly header: RequestHeader;
  /** A reader positioned at the first byte of the body. */
  readonly body: Reader;
}

/**
 * Reads the request header of a frame. The API key and version come first in every
 * header version, so they decide how to read the rest.
 */
export function readRequestFrame(frame: Buffer): RequestFrame {
  if (frame.length < 4) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_TRUNCATED', `request of ${frame.length} bytes is too short for a header`);
  }
  const apiKey = frame.readInt16BE(0);
  const version = frame.readInt16BE(2);
  const r = new Reader(frame);
  const header = readRequestHeader(r, requestHeaderVersion(apiKey, version));
  return { header, body: r };
}

/** Decodes the body of a request of a known API. */
export function decodeRequestBody<K extends ApiKey>(apiKey: K, version: number, body: Reader): ApiRequestMap[K] {
  const value = API_SPECS[apiKey].readRequest(body, version);
  expectEnd(body, `${API_SPECS[apiKey].name} request v${version}`);
  return value;
}

/** Encodes a complete request, size prefix included. */
export function encodeRequest<K extends ApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Loose<ApiRequestMap[K]>,
): Buffer {
  const w = new Writer(1024);
  w.int32(0);
  writeRequestHeader(w, requestHeaderVersion(apiKey, version), {
    requestApiKey: apiKey,
    requestApiVersion: version,
    correlationId,
    clientId,
  });
  API_SPECS[apiKey].writeRequest(w, version, body);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/**
 * Encodes a complete response, size prefix included, as chunks for a vectored write:
 * record batches in Fetch responses are referenced, not copied.
 */
export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: Loose<ApiResponseMap[K]>,
): Buffer[] {
  const w = new Writer(1024);
  writeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId });
  API_SPECS[apiKey].writeResponse(w, version, body);
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length, 0);
  return [size, ...w.toChunks()];
}

/** Decodes a response frame (without its size prefix) to a request we sent. */
export function decodeResponse<K extends ApiKey>(
  apiKey: K,
  version: number,
  frame: Buffer,
): { correlationId: number; body: ApiResponseMap[K] } {
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(apiKey, version));
  const body = API_SPECS[apiKey].readResponse(r, version);
  expectEnd(r, `${API_SPECS[apiKey].name} response v${version}`);
  return { correlationId, body };
}

function expectEnd(r: Reader, what: string): void {
  if (r.remaining !== 0) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_BAD_LENGTH', `${what} has ${r.remaining} unexpected bytes after its last field`);
  }
}
