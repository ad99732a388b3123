/**
 * Thrown for any malformed input met while decoding a Kafka frame, and for values that can not
 * be encoded. A connection handler treats it as a protocol violation: Kafka brokers close the
 * connection on a request they can not parse, since the stream can no longer be trusted.
 */
export class KafkaCodecError extends Error {
  override name = 'KafkaCodecError';
}

/** Converts the RangeError that Buffer accessors throw past the end into a KafkaCodecError. */
export function asCodecError(err: unknown, what: string): Error {
  if (err instanceof KafkaCodecError) return err;
  if (err instanceof RangeError) return new KafkaCodecError(`${what}: truncated input (${err.message})`);
  return err as Error;
}
