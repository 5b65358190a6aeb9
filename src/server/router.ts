/**
 * Routes a request frame: header, handler by API key, typed request, answer, response
 * frame. Anything the broker cannot parse or does not serve closes the connection with
 * the reason logged (Kafka does the same), except an ApiVersions request at a version we
 * do not speak, which gets the v0 UNSUPPORTED_VERSION answer clients rely on.
 */

import { ApiVersionsApi } from '../../protocol/generated/api-versions.js';
import { encodeApiVersionsUnsupportedVersion, encodeResponseFrame, readRequestHeader } from '../../protocol/headers.js';
import { Reader } from '../../protocol/primitives.js';
import type { Broker } from '../broker.js';
import type { ApiHandler, RequestContext } from '../handlers/types.js';
import { API_VERSIONS_MAX, API_VERSIONS_MIN } from '../handlers/api-versions.js';
import type { ConnectionHandle, Dispatch, Reply } from './connection.js';

export function createDispatch(broker: Broker, handlers: readonly ApiHandler[]): Dispatch {
  const byKey: Array<ApiHandler | undefined> = [];
  for (const h of handlers) byKey[h.apiKey] = h;
  // Parsing is synchronous, so one reader serves every frame; the request keeps only
  // views of the frame bytes, never of the reader.
  const reader = new Reader(Buffer.alloc(0));

  return (frame: Buffer, connection: ConnectionHandle): Reply | Promise<Reply> => {
    // Every header version starts with api key, api version and correlation id; decide
    // from those before parsing a header whose layout may be one we do not know.
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = byKey[apiKey];
    if (handler === undefined) {
      connection.close(`unsupported api key ${apiKey} (version ${apiVersion}, correlation id ${correlationId})`);
      return null;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiVersionsApi.apiKey) return encodeApiVersionsUnsupportedVersion(correlationId, API_VERSIONS_MIN, API_VERSIONS_MAX);
      connection.close(`${handler.name} v${apiVersion} is not supported (supported: v${handler.minVersion}-v${handler.maxVersion})`);
      return null;
    }
    reader.reset(frame);
    const header = readRequestHeader(reader);
    const request = handler.readRequest(reader, apiVersion);
    const context: RequestContext = { broker, apiVersion, correlationId, clientId: header.clientId, connection };
    const answer = handler.handle(request, context);
    const encode = (response: unknown): Reply =>
      response === null
        ? null
        : encodeResponseFrame(apiKey, apiVersion, correlationId, handler.sizeResponse(apiVersion, response), (w) =>
            handler.writeResponse(w, apiVersion, response),
          );
    return answer instanceof Promise ? answer.then(encode) : encode(answer);
  };
}
