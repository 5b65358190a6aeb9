/**
 * The sans-I/O protocol codec: primitives, headers and frames, generated message codecs, error table.
 * The header API is protocol/headers.ts (its names shadow the spec-shaped generated header codecs).
 */
export * from './errors.js';
export * from './primitives.js';
export * from './generated/index.js';
export {
  type RequestHeader, type ResponseHeader,
  isFlexibleVersion, requestHeaderVersion, responseHeaderVersion,
  readRequestHeader, sizeRequestHeader, writeRequestHeader,
  readResponseHeader, sizeResponseHeader, writeResponseHeader,
  encodeResponseFrame, encodeResponse, encodeRequestFrame, decodeRequest, decodeResponse,
  encodeApiVersionsUnsupportedVersion,
} from './headers.js';
