/**
 * ListTransactions (key 66), versions 0-1.
 *
 * Sluice has no transactions (InitProducerId refuses transactional ids), so the list is always
 * empty: an honest answer for `kafka-transactions list` and Admin.listTransactions. State
 * filters that are not Kafka transaction states come back in UnknownStateFilters, as Kafka's
 * coordinator reports them.
 */

import {
  ListTransactionsApi,
  createListTransactionsResponse,
  readListTransactionsRequest,
  sizeListTransactionsResponse,
  writeListTransactionsResponse,
  type ListTransactionsRequest,
  type ListTransactionsResponse,
} from '../../protocol/generated/list-transactions.js';
import { defineHandler } from './types.js';

const TRANSACTION_STATES = new Set([
  'Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence',
]);

function handleListTransactions(request: ListTransactionsRequest): ListTransactionsResponse {
  const response = createListTransactionsResponse();
  response.unknownStateFilters = request.stateFilters.filter((s) => !TRANSACTION_STATES.has(s));
  return response;
}

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: ListTransactionsApi.apiKey,
  name: ListTransactionsApi.name,
  minVersion: 0,
  maxVersion: 1,
  readRequest: readListTransactionsRequest,
  sizeResponse: sizeListTransactionsResponse,
  writeResponse: writeListTransactionsResponse,
  handle: handleListTransactions,
});
