// Errors of the log and its storage engines. Each carries a code named after the Kafka error
// that a Kafka front-end would answer with, so the front-ends map errors by code and never by
// message text; the NATS front-end maps the same codes to its own -ERR / JetStream errors.

export type LogErrorCode =
  /** A batch failed structural or CRC validation. */
  | 'CORRUPT_MESSAGE'
  /** A batch is larger than the topic's max.message.bytes. */
  | 'MESSAGE_TOO_LARGE'
  /** A batch is well formed but not acceptable (e.g. a record without key on a compacted topic). */
  | 'INVALID_RECORD'
  /** A batch breaks a limit of the topic's policy (a JetStream stream's discard-new limits). */
  | 'POLICY_VIOLATION'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_TOPIC_EXCEPTION'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  /** The read offset is below the log start offset or above the high watermark. */
  | 'OFFSET_OUT_OF_RANGE'
  /** The disk failed (full, unwritable, I/O error) or the partition is offline after corruption. */
  | 'KAFKA_STORAGE_ERROR'
  /** The log or partition was closed or deleted while the operation was pending. */
  | 'NOT_LEADER_OR_FOLLOWER';

export class LogError extends Error {
  override name = 'LogError';
  constructor(readonly code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A partition's stored data is damaged in a way that recovery must not repair silently
 * (anything but a torn tail). The partition is taken offline with this as the reason.
 */
export class StorageCorruptionError extends LogError {
  override name = 'StorageCorruptionError';
  constructor(message: string, readonly file?: string, readonly position?: number) {
    super('KAFKA_STORAGE_ERROR', message);
  }
}

export function isLogError(e: unknown, code?: LogErrorCode): e is LogError {
  return e instanceof LogError && (code === undefined || e.code === code);
}
