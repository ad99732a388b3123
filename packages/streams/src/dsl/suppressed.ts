// Suppressed: hold KTable updates back, as Kafka Streams' Suppressed. untilWindowCloses emits one
// final result per window once stream time passes window end + grace; untilTimeLimit emits a
// key's latest value a fixed time after its first buffered update.
export interface BufferConfig {
  readonly maxRecords: number;
  /** What to do when the buffer is full: emit the oldest entries early, or fail the task. */
  readonly whenFull: 'emitEarly' | 'shutDown';
}

export const BufferConfig = {
  unbounded: (): BufferConfig => ({ maxRecords: Number.MAX_SAFE_INTEGER, whenFull: 'shutDown' }),
  maxRecords: (maxRecords: number, whenFull: 'emitEarly' | 'shutDown' = 'emitEarly'): BufferConfig => ({ maxRecords, whenFull }),
} as const;

export interface Suppressed {
  readonly kind: 'untilWindowCloses' | 'untilTimeLimit';
  readonly timeLimitMs: number;
  readonly buffer: BufferConfig;
  readonly name: string | undefined;
  withName(name: string): Suppressed;
}

function make(kind: Suppressed['kind'], timeLimitMs: number, buffer: BufferConfig, name: string | undefined): Suppressed {
  return { kind, timeLimitMs, buffer, name, withName: (n: string) => make(kind, timeLimitMs, buffer, n) };
}

export const Suppressed = {
  /** Final results of windowed aggregations (the buffer must not drop: unbounded or shutDown). */
  untilWindowCloses: (buffer: BufferConfig = BufferConfig.unbounded()): Suppressed => make('untilWindowCloses', 0, { ...buffer, whenFull: 'shutDown' }, undefined),
  untilTimeLimit: (timeLimitMs: number, buffer: BufferConfig = BufferConfig.unbounded()): Suppressed => make('untilTimeLimit', timeLimitMs, buffer, undefined),
} as const;
