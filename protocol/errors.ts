/**
 * Protocol-level errors: thrown by the codec when bytes cannot be a valid Kafka message,
 * or when a message cannot be encoded (a programming error in the caller).
 *
 * Every class carries a stable string `code` (for logs and tests) and the Kafka error code
 * that best describes the failure (`kafkaErrorCode`, default INVALID_REQUEST = 42).
 * The server catches these once per frame and closes that connection.
 */

export type ProtocolErrorCode =
  | 'ERR_KAFKA_TRUNCATED'
  | 'ERR_KAFKA_INVALID_LENGTH'
  | 'ERR_KAFKA_VARINT_TOO_LONG'
  | 'ERR_KAFKA_INVALID_VALUE'
  | 'ERR_KAFKA_TAGGED_FIELD'
  | 'ERR_KAFKA_UNSUPPORTED_VERSION'
  | 'ERR_KAFKA_ENCODE';

const INVALID_REQUEST = 42;

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly kafkaErrorCode: number;

  constructor(code: ProtocolErrorCode, message: string, kafkaErrorCode: number = INVALID_REQUEST) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

/** The input ended before the value being read. */
export class TruncatedInputError extends ProtocolError {
  constructor(needed: number, offset: number, end: number) {
    super('ERR_KAFKA_TRUNCATED', `truncated input: need ${needed} byte(s) at offset ${offset}, input ends at ${end}`);
    this.name = 'TruncatedInputError';
  }
}

/** A length prefix is negative (where null is not allowed) or larger than the remaining bytes. */
export class InvalidLengthError extends ProtocolError {
  constructor(what: string, length: number, offset: number, remaining: number) {
    super('ERR_KAFKA_INVALID_LENGTH', `invalid ${what} length ${length} at offset ${offset} (${remaining} byte(s) remaining)`);
    this.name = 'InvalidLengthError';
  }
}

/** A varint or varlong uses more bytes than its type allows. */
export class VarintTooLongError extends ProtocolError {
  constructor(what: 'varint' | 'varlong', offset: number) {
    super('ERR_KAFKA_VARINT_TOO_LONG', `${what} too long at offset ${offset}`);
    this.name = 'VarintTooLongError';
  }
}

/** A value is out of its domain (bad UUID text, null in a non-nullable field, bad tagged-field size...). */
export class InvalidValueError extends ProtocolError {
  constructor(message: string, code: ProtocolErrorCode = 'ERR_KAFKA_INVALID_VALUE') {
    super(code, message);
    this.name = 'InvalidValueError';
  }
}

/** A version the codec does not know (UNSUPPORTED_VERSION = 35). */
export class UnsupportedVersionError extends ProtocolError {
  constructor(message: string) {
    super('ERR_KAFKA_UNSUPPORTED_VERSION', message, 35);
    this.name = 'UnsupportedVersionError';
  }
}

/** Thrown by generated writers for null in a version where the field is not nullable. */
export function nonNullable(field: string, version: number): InvalidValueError {
  return new InvalidValueError(`${field} is not nullable in version ${version}`, 'ERR_KAFKA_ENCODE');
}
