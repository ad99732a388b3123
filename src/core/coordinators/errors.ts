// Errors of the coordinators (groups, producer ids and sequences, transactions). Like the log's
// errors, each carries a code named after the Kafka error a Kafka front-end answers with, so the
// front-ends map by code and never by message text.

export type CoordinatorErrorCode =
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'NOT_COORDINATOR'
  | 'INVALID_REQUEST'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'KAFKA_STORAGE_ERROR'
  | 'UNKNOWN_SERVER_ERROR'
  // groups
  | 'INVALID_GROUP_ID'
  | 'GROUP_ID_NOT_FOUND'
  | 'NON_EMPTY_GROUP'
  | 'ILLEGAL_GENERATION'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'UNKNOWN_MEMBER_ID'
  | 'MEMBER_ID_REQUIRED'
  | 'INVALID_SESSION_TIMEOUT'
  | 'REBALANCE_IN_PROGRESS'
  | 'FENCED_INSTANCE_ID'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'OFFSET_METADATA_TOO_LARGE'
  | 'UNSTABLE_OFFSET_COMMIT'
  | 'GROUP_SUBSCRIBED_TO_TOPIC'
  | 'FENCED_MEMBER_EPOCH'
  | 'STALE_MEMBER_EPOCH'
  | 'UNRELEASED_INSTANCE_ID'
  | 'UNSUPPORTED_ASSIGNOR'
  | 'INVALID_REGULAR_EXPRESSION'
  // share groups
  | 'INVALID_RECORD_STATE'
  | 'STREAMS_INVALID_TOPOLOGY'
  | 'STREAMS_INVALID_TOPOLOGY_EPOCH'
  | 'STREAMS_TOPOLOGY_FENCED'
  // producers and transactions
  | 'INVALID_PRODUCER_EPOCH'
  | 'PRODUCER_FENCED'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'DUPLICATE_SEQUENCE_NUMBER'
  | 'UNKNOWN_PRODUCER_ID'
  | 'INVALID_TXN_STATE'
  | 'INVALID_PRODUCER_ID_MAPPING'
  | 'INVALID_TRANSACTION_TIMEOUT'
  | 'CONCURRENT_TRANSACTIONS'
  | 'TRANSACTIONAL_ID_NOT_FOUND'
  | 'TRANSACTION_ABORTABLE'
  | 'OPERATION_NOT_ATTEMPTED';

export class CoordinatorError extends Error {
  override name = 'CoordinatorError';
  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCoordinatorError(e: unknown, code?: CoordinatorErrorCode): e is CoordinatorError {
  return e instanceof CoordinatorError && (code === undefined || e.code === code);
}

export const fail = (code: CoordinatorErrorCode, message: string): never => {
  throw new CoordinatorError(code, message);
};
