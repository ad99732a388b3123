// The system under test as the harness sees it: a broker process it can start, kill with any
// signal, restart on the same data directory and ports, and read the output of. One
// implementation per broker (Wharf, Apache Kafka 4.4, nats-server) in this folder.
export type TargetKind = 'wharf' | 'kafka' | 'nats-server';

/** What a fault may change before the broker starts: its environment and where its data lives. */
export interface LaunchTweaks {
  /** Extra environment (LD_PRELOAD shims, libfaketime's variables). */
  env: Record<string, string>;
  /** A directory to create the data directory in (a size-limited tmpfs), instead of the default. */
  dataParent?: string;
}

export interface Target {
  readonly kind: TargetKind;
  /** nats://127.0.0.1:P when the target speaks NATS. */
  readonly natsUrl: string | undefined;
  /** 127.0.0.1:P when the target speaks Kafka. */
  readonly kafkaBootstrap: string | undefined;
  /** Whether the target serves JetStream. */
  readonly jetstream: boolean;
  readonly dataDir: string;
  /** Starts (or restarts) the broker on the same ports and data directory; resolves when it serves. */
  start(): Promise<void>;
  /** Sends a signal to the broker process (SIGKILL, SIGSTOP, SIGCONT). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves when the process has exited (at once when it is not running). */
  exited(): Promise<void>;
  running(): boolean;
  /** Resident memory of the broker process in bytes (from /proc), undefined when not running. */
  rss(): number | undefined;
  pid(): number | undefined;
  /** Tail of the broker's output, for failure messages. */
  output(): string;
  /** Stops the broker (SIGTERM, then SIGKILL) and removes its data directory. */
  destroy(): Promise<void>;
}
