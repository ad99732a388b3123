// The library's errors: each says what failed and where (topic, partition, offset for records),
// so that an operator can find the record or the missing topic without a debugger.

export class StreamsError extends Error {
  override name = 'StreamsError';
}

/** The topology or its configuration is wrong (caught before anything runs). */
export class TopologyError extends StreamsError {
  override name = 'TopologyError';
}

/** Source topics that do not exist on the broker when the application starts or rebalances. */
export class MissingSourceTopicError extends StreamsError {
  override name = 'MissingSourceTopicError';
  constructor(readonly topics: string[]) {
    super(`missing source topic${topics.length > 1 ? 's' : ''}: ${topics.join(', ')} (create ${topics.length > 1 ? 'them' : 'it'} before starting the application)`);
  }
}

/** A record's key or value could not be (de)serialized. */
export class RecordSerdeError extends StreamsError {
  override name = 'RecordSerdeError';
  constructor(
    readonly kind: 'key' | 'value',
    readonly direction: 'deserialize' | 'serialize',
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    override readonly cause: unknown,
  ) {
    const where = offset >= 0 ? `${topic}-${partition} at offset ${offset}` : `topic ${topic}`;
    super(`cannot ${direction} the ${kind} of the record in ${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A user function threw while processing a record; the record's origin is in the message. */
export class ProcessingError extends StreamsError {
  override name = 'ProcessingError';
  constructor(
    readonly taskId: string,
    readonly node: string,
    readonly origin: string,
    override readonly cause: unknown,
  ) {
    super(`task ${taskId}, processor ${node}${origin ? `, record ${origin}` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** This instance lost its tasks to another one (generation or producer fenced). */
export class TaskMigratedError extends StreamsError {
  override name = 'TaskMigratedError';
}
