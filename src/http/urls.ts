// The addresses a person is given for each listener: the ready line on the terminal and the
// console's overview show the same ones. A listener bound to a wildcard address is reached
// as localhost from the same machine; Kafka clients are given the advertised address.
import type { ListenerInfo } from './console/types.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '::0', '']);

export function displayHost(host: string): string {
  if (WILDCARDS.has(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export interface ListenerAddresses {
  nats: { host: string; port: number };
  kafka: { host: string; port: number; advertisedHost: string; advertisedPort: number } | null;
  http: { host: string; port: number } | null;
}

export function listenerInfos(a: ListenerAddresses): ListenerInfo[] {
  const out: ListenerInfo[] = [{ protocol: 'nats', host: a.nats.host, port: a.nats.port, url: `nats://${displayHost(a.nats.host)}:${a.nats.port}` }];
  if (a.kafka !== null) out.push({ protocol: 'kafka', host: a.kafka.host, port: a.kafka.port, url: `${displayHost(a.kafka.advertisedHost)}:${a.kafka.advertisedPort}` });
  if (a.http !== null) out.push({ protocol: 'http', host: a.http.host, port: a.http.port, url: `http://${displayHost(a.http.host)}:${a.http.port}/` });
  return out;
}

/** The console's address, for the ready line. */
export function consoleUrl(http: { host: string; port: number }): string {
  return `http://${displayHost(http.host)}:${http.port}/console/`;
}
