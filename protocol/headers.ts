/**
 * Request and response headers, and the frame helpers built on them.
 *
 * Derived from the RequestHeader / ResponseHeader specs (protocol/specs; the generated
 * request-header.ts and response-header.ts codecs are checked against this file in tests),
 * plus the quirks real clients depend on:
 * - ClientId is always a classic INT16-length nullable string, even in header v2.
 * - Request header v2 iff the request version is flexible, else v1 (v0 only for
 *   ControlledShutdown v0).
 * - Response header v1 iff flexible, EXCEPT ApiVersions responses, which always use v0
 *   (the client cannot know the broker's flexible versions before it has the answer).
 *   That quirk lives in `responseHeaderVersion` and nowhere else.
 */
import { GatherWriter, NO_TAGGED_FIELDS, type TaggedField, Reader, Writer, sizeOfNullableString, sizeOfTaggedFields } from './primitives.js';
import { UnsupportedVersionError } from './errors.js';
import { type ApiCodec, ApiVersionsApi, apiCodec, createApiVersionsResponse, sizeApiVersionsResponse, writeApiVersionsResponse } from './generated/index.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** 0, 1 or 2, as chosen by requestHeaderVersion(apiKey, apiVersion). */
  headerVersion: number;
  unknownTaggedFields: readonly TaggedField[];
}

export interface ResponseHeader {
  correlationId: number;
  unknownTaggedFields: readonly TaggedField[];
}

const API_VERSIONS = ApiVersionsApi.apiKey;
const CONTROLLED_SHUTDOWN = 7;
const UNSUPPORTED_VERSION = 35;

/**
 * Whether `apiVersion` of `apiKey` is a flexible version. Flexible ranges are open-ended
 * ("N+"), so this also answers for versions above the highest one we know. Unknown API keys
 * are treated as not flexible.
 */
export function isFlexibleVersion(apiKey: number, apiVersion: number): boolean {
  const c = apiCodec(apiKey);
  return c !== undefined && c.flexibleMinVersion !== null && apiVersion >= c.flexibleMinVersion;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === CONTROLLED_SHUTDOWN && apiVersion === 0) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  // ApiVersions responses always use header v0, whatever the version (KIP-511).
  if (apiKey === API_VERSIONS) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Reads a request header and leaves `r` at the start of the body. For an unknown API key or a
 * version beyond the known ones, apiKey/apiVersion/correlationId/clientId are still read, so
 * the server can answer (ApiVersions with error 35) or close the connection.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const clientId = headerVersion >= 1 ? r.nullableString() : null;
  const unknownTaggedFields = headerVersion >= 2 ? r.taggedFields() : NO_TAGGED_FIELDS;
  return { apiKey, apiVersion, correlationId, clientId, headerVersion, unknownTaggedFields };
}

export function sizeRequestHeader(headerVersion: number, clientId: string | null, tags: readonly TaggedField[] = NO_TAGGED_FIELDS): number {
  return 8 + (headerVersion >= 1 ? sizeOfNullableString(clientId) : 0) + (headerVersion >= 2 ? sizeOfTaggedFields(tags) : 0);
}

export function writeRequestHeader(w: Writer, h: Omit<RequestHeader, 'headerVersion' | 'unknownTaggedFields'> & { unknownTaggedFields?: readonly TaggedField[] }): void {
  const hv = requestHeaderVersion(h.apiKey, h.apiVersion);
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  if (hv >= 1) w.nullableString(h.clientId);
  if (hv >= 2) w.taggedFields(h.unknownTaggedFields ?? NO_TAGGED_FIELDS);
}

export function readResponseHeader(r: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  const correlationId = r.int32();
  const unknownTaggedFields = responseHeaderVersion(apiKey, apiVersion) >= 1 ? r.taggedFields() : NO_TAGGED_FIELDS;
  return { correlationId, unknownTaggedFields };
}

export function sizeResponseHeader(headerVersion: number): number {
  return headerVersion >= 1 ? 5 : 4;
}

export function writeResponseHeader(w: Writer, headerVersion: number, correlationId: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}

/**
 * `[int32 size][response header][body]` in one allocation. `bodySize` must be the exact size
 * `write` produces (from the generated sizeXxx); the result is checked.
 */
export function encodeResponseFrame(
  apiKey: number, apiVersion: number, correlationId: number, bodySize: number, write: (w: Writer) => void,
): Buffer {
  const hv = responseHeaderVersion(apiKey, apiVersion);
  const total = 4 + sizeResponseHeader(hv) + bodySize;
  const w = Writer.alloc(total);
  w.int32(total - 4);
  writeResponseHeader(w, hv, correlationId);
  write(w);
  return w.finish();
}

/**
 * A response frame whose body leaves `gatheredBytes` of its bytes where they are: `write`
 * hands them to GatherWriter.gather instead of copying them, and the frame comes back as the
 * segments to send in order (one writev). The length prefix counts every byte, gathered or not.
 */
export function encodeResponseFrameGathered(
  apiKey: number, apiVersion: number, correlationId: number, bodySize: number, gatheredBytes: number, write: (w: GatherWriter) => void,
): Buffer[] {
  const hv = responseHeaderVersion(apiKey, apiVersion);
  const total = 4 + sizeResponseHeader(hv) + bodySize;
  const w = new GatherWriter(Buffer.allocUnsafe(total - gatheredBytes));
  w.int32(total - 4);
  writeResponseHeader(w, hv, correlationId);
  write(w);
  return w.finishGathered();
}

function codecFor(apiKey: number, apiVersion: number): ApiCodec {
  const c = apiCodec(apiKey);
  if (c === undefined) throw new UnsupportedVersionError(`no codec for api key ${apiKey}`);
  if (apiVersion < c.minVersion || apiVersion > c.maxVersion) {
    throw new UnsupportedVersionError(`${c.name} v${apiVersion} is outside ${c.minVersion}-${c.maxVersion}`);
  }
  return c;
}

/** A whole response frame for a generated response message (generic, through the registry). */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, message: unknown): Buffer {
  const c = codecFor(apiKey, apiVersion);
  const hv = responseHeaderVersion(apiKey, apiVersion);
  const total = 4 + sizeResponseHeader(hv) + c.sizeResponse(apiVersion, message);
  const w = Writer.alloc(total);
  w.int32(total - 4);
  writeResponseHeader(w, hv, correlationId);
  c.writeResponse(w, apiVersion, message);
  return w.finish();
}

/** A whole request frame `[int32 size][request header][body]`, for test clients and load generators. */
export function encodeRequestFrame(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, message: unknown): Buffer {
  const c = codecFor(apiKey, apiVersion);
  const hv = requestHeaderVersion(apiKey, apiVersion);
  const total = 4 + sizeRequestHeader(hv, clientId) + c.sizeRequest(apiVersion, message);
  const w = Writer.alloc(total);
  w.int32(total - 4);
  writeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId });
  c.writeRequest(w, apiVersion, message);
  return w.finish();
}

/** Decodes a request payload (a frame without its size prefix): header and typed body. */
export function decodeRequest(payload: Buffer): { header: RequestHeader; message: unknown } {
  const r = new Reader(payload);
  const header = readRequestHeader(r);
  const message = codecFor(header.apiKey, header.apiVersion).readRequest(r, header.apiVersion);
  return { header, message };
}

/** Decodes a response payload (a frame without its size prefix), for test clients. */
export function decodeResponse(apiKey: number, apiVersion: number, payload: Buffer): { correlationId: number; message: unknown } {
  const r = new Reader(payload);
  const { correlationId } = readResponseHeader(r, apiKey, apiVersion);
  const message = codecFor(apiKey, apiVersion).readResponse(r, apiVersion);
  return { correlationId, message };
}

/**
 * The answer to an ApiVersions request whose version the broker does not support: a v0 body
 * with UNSUPPORTED_VERSION (35) and the ApiVersions range the broker does support, under
 * response header v0. The client retries with a version in that range.
 */
export function encodeApiVersionsUnsupportedVersion(
  correlationId: number, minVersion: number = ApiVersionsApi.minVersion, maxVersion: number = ApiVersionsApi.maxVersion,
): Buffer {
  const body = createApiVersionsResponse();
  body.errorCode = UNSUPPORTED_VERSION;
  body.apiKeys = [{ apiKey: API_VERSIONS, minVersion, maxVersion, unknownTaggedFields: NO_TAGGED_FIELDS }];
  return encodeResponseFrame(API_VERSIONS, 0, correlationId, sizeApiVersionsResponse(0, body), (w) => writeApiVersionsResponse(w, 0, body));
}
