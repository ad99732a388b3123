// Counters of the Kafka listener that the monitor reads (connections, bytes on the wire,
// requests), and the hook request latencies go to. Plain numbers bumped on the connection's
// paths, so that the front-end knows nothing of Prometheus; the monitor reads them at scrape
// time and installs the observer (with its histogram children bound once per API key).

/** Receives the time each request took, from its decode to its response being queued. */
export interface KafkaRequestObserver {
  /** `apiName` is the API's name in Kafka's definitions ("Produce", "Fetch"), a constant string. */
  request(apiKey: number, apiName: string, seconds: number): void;
}

export class KafkaStats {
  /** Connections accepted since start. */
  connectionsTotal = 0;
  /** Bytes read from clients (frames and their size prefixes). */
  bytesIn = 0;
  /** Bytes of responses written to clients. */
  bytesOut = 0;
  /** Requests handled (every API). */
  requests = 0;
  /** Set by the monitor when it serves /metrics; null costs nothing per request. */
  observer: KafkaRequestObserver | null = null;
}
