// How the library's producer retries a failed request, as Java's producer does rather than as
// @platformatic/kafka does by default (a fixed second between attempts). A transaction's first
// AddPartitionsToTxn usually meets CONCURRENT_TRANSACTIONS: the broker is still writing the
// markers of the transaction committed just before. Java retries that one after 20 ms
// (TransactionManager's ADD_PARTITIONS_RETRY_BACKOFF_MS); a second's wait there holds up every
// transaction, so under exactly_once_v2 each commit interval turned into a second and more
// (docs/streams.md, Performance). Other retriable errors back off exponentially from Java's
// retry.backoff.ms (100 ms) to retry.backoff.max.ms (1 s).
import { hasCode, ErrorCode } from './kafka.js';

/** Attempts after the first: about 2 s of CONCURRENT_TRANSACTIONS, about 27 s of other errors. */
export const PRODUCER_RETRIES = 30;

const CONCURRENT_TRANSACTIONS_BACKOFF_MS = 20;
/** Attempts at CONCURRENT_TRANSACTIONS_BACKOFF_MS before the ordinary backoff takes over. */
const CONCURRENT_TRANSACTIONS_FAST_ATTEMPTS = 10;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MAX_MS = 1_000;

/** The delay before attempt `attempt` (1 for the first retry) after `error`; @platformatic/kafka's retryDelay. */
export function producerRetryDelay(_client: unknown, _operation: string, attempt: number, _retries: number, error: unknown): number {
  if (hasCode(error, ErrorCode.CONCURRENT_TRANSACTIONS)) return attempt <= CONCURRENT_TRANSACTIONS_FAST_ATTEMPTS ? CONCURRENT_TRANSACTIONS_BACKOFF_MS : RETRY_BACKOFF_MS;
  return Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
}
