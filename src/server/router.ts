/**
 * Routes a request frame: header, handler by API key, typed request, answer, response
 * frame. A request for an API or version the broker does not serve is answered with that
 * API's error response (src/handlers/refused.ts), and an ApiVersions request at a version we
 * do not speak gets the v0 UNSUPPORTED_VERSION answer clients rely on. Only a request whose
 * layout is unknown (unknown API key, version beyond Kafka's spec) closes the connection,
 * with the reason logged, as Kafka does.
 */

import { ApiVersionsApi } from '../../protocol/generated/api-versions.js';
import { encodeApiVersionsUnsupportedVersion, encodeResponseFrame, encodeResponseFrameGathered, readRequestHeader } from '../../protocol/headers.js';
import { Reader, type Writer } from '../../protocol/primitives.js';
import type { Broker } from '../broker.js';
import type { ApiHandler, RequestContext } from '../handlers/types.js';
import { API_VERSIONS_MAX, API_VERSIONS_MIN } from '../handlers/api-versions.js';
import { notServedHandler } from '../handlers/refused.js';
import type { ConnectionHandle, Dispatch, Reply } from './connection.js';

export function createDispatch(broker: Broker, handlers: readonly ApiHandler[]): Dispatch {
  const byKey: Array<ApiHandler | undefined> = [];
  for (const h of handlers) byKey[h.apiKey] = h;
  // Parsing is synchronous, so one reader serves every frame; the request keeps only
  // views of the frame bytes, never of the reader.
  const reader = new Reader(Buffer.alloc(0));
  // One line per request at log.level=debug (which API at which version each client uses).
  const debug = broker.logger.enabled('debug');

  return (frame: Buffer, connection: ConnectionHandle): Reply | Promise<Reply> => {
    // Every header version starts with api key, api version and correlation id; decide
    // from those before parsing a header whose layout may be one we do not know.
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    let handler = byKey[apiKey];
    if (handler === undefined || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiVersionsApi.apiKey) return encodeApiVersionsUnsupportedVersion(correlationId, API_VERSIONS_MIN, API_VERSIONS_MAX);
      const served = handler === undefined ? null : `v${handler.minVersion}-v${handler.maxVersion}`;
      const refusing = notServedHandler(apiKey, apiVersion, served !== null);
      if (refusing === null) {
        const what = handler === undefined ? `unknown api key ${apiKey} version ${apiVersion}` : `${handler.name} v${apiVersion} (served: ${served})`;
        connection.close(`${what} has no known layout (correlation id ${correlationId})`);
        return null;
      }
      broker.logger.info(`answering ${refusing.name} v${apiVersion} with UNSUPPORTED_VERSION: ` +
        (served === null ? 'not implemented' : `served versions are ${served}`));
      handler = refusing;
    }
    const chosen = handler;
    reader.reset(frame);
    const header = readRequestHeader(reader);
    const request = chosen.readRequest(reader, apiVersion);
    if (debug) broker.logger.debug(`request ${chosen.name} v${apiVersion} correlation id ${correlationId} client id ${header.clientId ?? '(null)'}`);
    const context: RequestContext = { broker, apiVersion, correlationId, clientId: header.clientId, connection };
    const answer = chosen.handle(request, context);
    const encode = (response: unknown): Reply => {
      if (response === null) return null;
      const size = chosen.sizeResponse(apiVersion, response);
      const write = (w: Writer): void => chosen.writeResponse(w, apiVersion, response);
      const gathered = chosen.gatheredBytes?.(apiVersion, response) ?? 0;
      return gathered > 0
        ? encodeResponseFrameGathered(apiKey, apiVersion, correlationId, size, gathered, write)
        : encodeResponseFrame(apiKey, apiVersion, correlationId, size, write);
    };
    return answer instanceof Promise ? answer.then(encode) : encode(answer);
  };
}
