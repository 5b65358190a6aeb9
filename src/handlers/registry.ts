/**
 * Every API the broker answers, in one explicit list. ApiVersions advertises exactly
 * these ranges; the router dispatches only to them.
 */

import { apiVersionsHandler } from './api-versions.js';
import { createTopicsHandler } from './create-topics.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import type { ApiHandler } from './types.js';

const SERVED: readonly ApiHandler[] = [produceHandler, fetchHandler, listOffsetsHandler, metadataHandler, createTopicsHandler];

export const HANDLERS: readonly ApiHandler[] = [...SERVED, apiVersionsHandler(SERVED)];
