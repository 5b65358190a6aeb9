/**
 * The shape every API handler has. A handler binds one API key to its generated codec and
 * to the function that answers it; the registry lists them and ApiVersions is built from
 * that list.
 */

import type { Reader, Writer } from '../../protocol/primitives.js';
import type { Broker } from '../broker.js';
import type { ConnectionHandle } from '../server/connection.js';

export interface RequestContext {
  readonly broker: Broker;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionHandle;
}

/** A handler's answer: the response, or null when Kafka sends none (acks=0 produce). */
export type Answer<Res> = Res | null | Promise<Res | null>;

export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly name: string;
  /** Versions advertised in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  readRequest(r: Reader, version: number): Req;
  sizeResponse(version: number, response: Res): number;
  writeResponse(w: Writer, version: number, response: Res): void;
  /**
   * Bytes of the response that writeResponse hands to GatherWriter.gather (sent from where they
   * are, uncopied) when it is given a GatherWriter; handlers without it are written whole.
   */
  gatheredBytes?(version: number, response: Res): number;
  handle(request: Req, context: RequestContext): Answer<Res>;
}

/** Keeps each handler's request and response types tied together while erasing them for the registry. */
export function defineHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler {
  return handler as unknown as ApiHandler;
}
