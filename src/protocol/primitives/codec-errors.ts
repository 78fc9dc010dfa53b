import { ProtocolError } from '../errors.ts';

/** Used by the generated codecs; kept here so every message shares one wording. */
export function unsupportedVersion(message: string, version: number): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_UNSUPPORTED_VERSION', `${message} has no version ${version}`);
}

export function notInVersion(message: string, field: string, version: number): ProtocolError {
  return new ProtocolError(
    'SDS_ERR_PROTOCOL_FIELD_NOT_IN_VERSION',
    `${message} version ${version} cannot carry ${field}: leave it at its default or use a version that has it`,
  );
}

export function nullInVersion(field: string, version: number): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_UNEXPECTED_NULL', `${field} may not be null in version ${version}`);
}
