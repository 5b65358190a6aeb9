/**
 * DescribeTransactions (key 65), version 0.
 *
 * No transactional id exists on Sluice (it has no transactions), so every id asked about is
 * TRANSACTIONAL_ID_NOT_FOUND, as Kafka's coordinator answers for an id it does not know.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  DescribeTransactionsApi,
  createDescribeTransactionsResponse,
  createDescribeTransactionsResponseTransactionState,
  readDescribeTransactionsRequest,
  sizeDescribeTransactionsResponse,
  writeDescribeTransactionsResponse,
  type DescribeTransactionsRequest,
  type DescribeTransactionsResponse,
} from '../../protocol/generated/describe-transactions.js';
import { defineHandler } from './types.js';

function handleDescribeTransactions(request: DescribeTransactionsRequest): DescribeTransactionsResponse {
  const response = createDescribeTransactionsResponse();
  response.transactionStates = request.transactionalIds.map((id) => ({
    ...createDescribeTransactionsResponseTransactionState(),
    transactionalId: id,
    errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
  }));
  return response;
}

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: DescribeTransactionsApi.apiKey,
  name: DescribeTransactionsApi.name,
  minVersion: 0,
  maxVersion: 0,
  readRequest: readDescribeTransactionsRequest,
  sizeResponse: sizeDescribeTransactionsResponse,
  writeResponse: writeDescribeTransactionsResponse,
  handle: handleDescribeTransactions,
});
