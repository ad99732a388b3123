// nats.js connections for the NATS workloads: reconnecting forever with short waits, so a client
// rides out a broker restart or pause, and never buffering more than a bounded amount meanwhile.
import { connect, type NatsConnection } from 'nats';

export function natsConnect(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, timeout: 5_000, pingInterval: 2_000, maxPingOut: 3 });
}
