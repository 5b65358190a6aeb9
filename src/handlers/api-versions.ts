/**
 * ApiVersions (key 18), versions 0-4.
 *
 * Answers with the version range of every handler in the registry; the responses are
 * built once per version at start-up. A request with a version above 4 is answered with
 * a v0 body carrying UNSUPPORTED_VERSION and ApiVersions' own range, so the client can
 * retry with one we speak (the router answers that case, through
 * protocol/headers.ts encodeApiVersionsUnsupportedVersion).
 * No features are finalized: Sluice implements no transactions or KRaft features.
 */

import {
  ApiVersionsApi,
  createApiVersionsResponse,
  createApiVersionsResponseApiVersion,
  readApiVersionsRequest,
  sizeApiVersionsResponse,
  writeApiVersionsResponse,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
} from '../../protocol/generated/api-versions.js';
import { defineHandler, type ApiHandler } from './types.js';

export const API_VERSIONS_MIN = 0;
export const API_VERSIONS_MAX = 4;

function versionList(handlers: readonly ApiHandler[]): ApiVersionsResponse['apiKeys'] {
  return handlers
    .map((h) => ({ ...createApiVersionsResponseApiVersion(), apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

/** Builds the ApiVersions handler for a registry; `others` are every other handler it lists. */
export function apiVersionsHandler(others: readonly ApiHandler[]): ApiHandler {
  const self = {
    apiKey: ApiVersionsApi.apiKey,
    name: ApiVersionsApi.name,
    minVersion: API_VERSIONS_MIN,
    maxVersion: API_VERSIONS_MAX,
  };
  const response = createApiVersionsResponse();
  response.apiKeys = versionList([...others, self as ApiHandler]);
  return defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
    ...self,
    readRequest: readApiVersionsRequest,
    sizeResponse: sizeApiVersionsResponse,
    writeResponse: writeApiVersionsResponse,
    handle: () => response,
  });
}
