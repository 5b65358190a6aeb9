/**
 * Every API the broker answers, in one explicit list. ApiVersions advertises exactly
 * these ranges. The router answers anything else whose layout it knows with that API's
 * UNSUPPORTED_VERSION response (./refused.ts).
 */

import { alterConfigsHandler } from './alter-configs.js';
import { apiVersionsHandler } from './api-versions.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeProducersHandler } from './describe-producers.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { listTransactionsHandler } from './list-transactions.js';
import { fetchHandler } from './fetch.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { syncGroupHandler } from './sync-group.js';
import { DISABLED_FEATURE_HANDLERS } from './refused.js';
import type { ApiHandler } from './types.js';

const SERVED: readonly ApiHandler[] = [produceHandler, fetchHandler, listOffsetsHandler, metadataHandler, createTopicsHandler,
  deleteTopicsHandler, deleteRecordsHandler, createPartitionsHandler, describeConfigsHandler, alterConfigsHandler, incrementalAlterConfigsHandler,
  findCoordinatorHandler, joinGroupHandler, syncGroupHandler, heartbeatHandler, leaveGroupHandler,
  describeGroupsHandler, listGroupsHandler, deleteGroupsHandler, offsetCommitHandler, offsetFetchHandler, offsetDeleteHandler, offsetForLeaderEpochHandler,
  initProducerIdHandler, describeClusterHandler, describeLogDirsHandler, describeProducersHandler, describeTransactionsHandler,
  listTransactionsHandler, ...DISABLED_FEATURE_HANDLERS];

export const HANDLERS: readonly ApiHandler[] = [...SERVED, apiVersionsHandler(SERVED)];
