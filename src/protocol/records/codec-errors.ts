import { ProtocolError } from '../errors.ts';
import { codecName, type CompressionCodec } from './compression-codec.ts';

/** Refuses output that would pass the caller's limit; `size` may be a declared or an actual size. */
export function checkOutputSize(codec: CompressionCodec, size: number, maxOutputBytes: number, what: string): void {
  if (size > maxOutputBytes) {
    throw new ProtocolError(
      'SDS_ERR_PROTOCOL_COMPRESSION',
      `${codecName(codec)} payload ${what} ${size} bytes, above the limit of ${maxOutputBytes}: ` +
        'raise the decompression limit or have the producer send smaller batches',
    );
  }
}

/**
 * Refuses a payload whose structure allows more output than the limit, before decoding it.
 * `bound` counts every compressed block as a full one, and encoders fill all but the last
 * block, so up to one block (`slack`) above the limit is left to the check after decoding.
 */
export function checkOutputBound(codec: CompressionCodec, bound: number, slack: number, maxOutputBytes: number): void {
  if (bound > maxOutputBytes + slack) {
    throw new ProtocolError(
      'SDS_ERR_PROTOCOL_COMPRESSION',
      `${codecName(codec)} payload may decompress to up to ${bound} bytes (by its block headers), above the limit of ${maxOutputBytes}: ` +
        'raise the decompression limit or have the producer send smaller batches',
    );
  }
}

export function tooLarge(codec: CompressionCodec, maxOutputBytes: number, cause?: unknown): ProtocolError {
  return new ProtocolError(
    'SDS_ERR_PROTOCOL_COMPRESSION',
    `${codecName(codec)} payload decompresses to more than the limit of ${maxOutputBytes} bytes: ` +
      'raise the decompression limit or have the producer send smaller batches',
    { cause },
  );
}

export function corruptPayload(codec: CompressionCodec, detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError(
    'SDS_ERR_PROTOCOL_COMPRESSION',
    `${codecName(codec)} payload cannot be decompressed (${detail}); the producer sent corrupt or mislabelled data`,
    { cause },
  );
}

export function compressFailure(codec: CompressionCodec, cause: unknown): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_COMPRESSION', `${codecName(codec)} compression failed: ${describe(cause)}`, {
    cause,
  });
}

export function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
