/**
 * Requests Sluice reads but does not carry out, answered the way a Kafka broker answers them.
 *
 * Kafka advertises its security APIs even where they are switched off and answers them with
 * the error that says so: ACL requests without an authorizer get SECURITY_DISABLED, delegation
 * token requests without a token secret DELEGATION_TOKEN_AUTH_DISABLED, and SASL requests on a
 * PLAINTEXT listener ILLEGAL_SASL_STATE. Sluice has no authorizer, no tokens and only PLAINTEXT
 * listeners, so these answers are true of it too; the handlers below give them and are
 * advertised like any other.
 *
 * Every other API that Kafka's brokers serve and Sluice does not (transactions, quotas,
 * reassignments, share groups, ...), and every served API at a version outside its served
 * range, is not advertised; a client that sends one anyway gets that API's own response with
 * UNSUPPORTED_VERSION in every error code (what Kafka answers for a feature it has switched
 * off), built from the request by the generated create<Api>ErrorResponse, instead of a dropped
 * connection. Only a request whose layout Sluice cannot know (an unknown API key, or a version
 * beyond Kafka's spec) closes the connection, as it does on Kafka.
 */

import { API_CODECS, apiCodec, type ApiCodec } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler, type ApiHandler } from './types.js';

interface Refusal {
  readonly errorCode: number;
  readonly message: string;
}

const DISABLED: ReadonlyArray<{ apis: readonly string[]; refusal: Refusal }> = [
  {
    apis: ['DescribeAcls', 'CreateAcls', 'DeleteAcls'],
    refusal: { errorCode: ErrorCode.SECURITY_DISABLED, message: 'No authorizer is configured on the broker' },
  },
  {
    apis: ['CreateDelegationToken', 'RenewDelegationToken', 'ExpireDelegationToken', 'DescribeDelegationToken'],
    refusal: { errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, message: 'Delegation tokens are not enabled on the broker' },
  },
  {
    apis: ['SaslHandshake', 'SaslAuthenticate'],
    refusal: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, message: 'SASL is not enabled: the listener is PLAINTEXT' },
  },
];

function codecNamed(name: string): ApiCodec {
  const codec = API_CODECS.find((c) => c.name === name);
  if (codec === undefined) throw new Error(`no generated codec for ${name}`);
  return codec;
}

/** A handler that reads every version of `codec`'s API and answers each request with `refusal`. */
function refusingHandler(codec: ApiCodec, refusal: Refusal): ApiHandler {
  return defineHandler<unknown, unknown>({
    apiKey: codec.apiKey,
    name: codec.name,
    minVersion: codec.minVersion,
    maxVersion: codec.maxVersion,
    readRequest: codec.readRequest,
    sizeResponse: codec.sizeResponse,
    writeResponse: codec.writeResponse,
    handle: (request) => codec.createErrorResponse(request, refusal.errorCode, refusal.message),
  });
}

/** The security APIs Kafka advertises and refuses when they are switched off, as Sluice's handlers. */
export const DISABLED_FEATURE_HANDLERS: readonly ApiHandler[] = DISABLED.flatMap(({ apis, refusal }) =>
  apis.map((name) => refusingHandler(codecNamed(name), refusal)),
);

/**
 * The answer to a request for an API or version the broker does not serve but whose layout it
 * knows; null when it cannot know the layout (the caller then closes the connection).
 */
export function notServedHandler(apiKey: number, apiVersion: number, apiServed: boolean): ApiHandler | null {
  const codec = apiCodec(apiKey);
  if (codec === undefined || apiVersion < codec.minVersion || apiVersion > codec.maxVersion) return null;
  const message = apiServed ? `Sluice does not serve ${codec.name} v${apiVersion}` : `Sluice does not implement ${codec.name}`;
  return refusingHandler(codec, { errorCode: ErrorCode.UNSUPPORTED_VERSION, message });
}
