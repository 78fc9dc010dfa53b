import { SdsError } from '../errors.ts';

/** Raised when bytes do not form a valid Kafka message, or a value cannot be encoded. */
export class ProtocolError extends SdsError {
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type ProtocolErrorCode =
  /** The bytes end before the message does. */
  | 'SDS_ERR_PROTOCOL_TRUNCATED'
  /** A length, count or varint is out of range for the bytes that remain. */
  | 'SDS_ERR_PROTOCOL_BAD_LENGTH'
  /** A frame is larger than the configured maximum. */
  | 'SDS_ERR_PROTOCOL_FRAME_TOO_LARGE'
  /** A null was found (or given) where the version does not allow one. */
  | 'SDS_ERR_PROTOCOL_UNEXPECTED_NULL'
  /** An API key or version that the codec does not know. */
  | 'SDS_ERR_PROTOCOL_UNSUPPORTED_VERSION'
  /** A value that the chosen version cannot carry and that may not be dropped. */
  | 'SDS_ERR_PROTOCOL_FIELD_NOT_IN_VERSION'
  /** A value outside its type's range (e.g. an int16 above 32767). */
  | 'SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE'
  /** A record batch that fails validation (magic, CRC, sizes, counts). */
  | 'SDS_ERR_PROTOCOL_CORRUPT_BATCH'
  /** A compressed payload that the codec cannot decompress. */
  | 'SDS_ERR_PROTOCOL_COMPRESSION';
