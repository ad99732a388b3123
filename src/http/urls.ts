// The addresses a person is given for each listener: the ready line on the terminal and the
// console's overview show the same ones. A listener bound to a wildcard address is reached
// as localhost from the same machine; Kafka clients are given the advertised address.
import type { ListenerInfo } from './console/types.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '::0', '']);

export function displayHost(host: string): string {
  if (WILDCARDS.has(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export interface KafkaAddress {
  /** The listener's name and security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL). */
  name: string;
  protocol: string;
  host: string;
  port: number;
  advertisedHost: string;
  advertisedPort: number;
}

export interface HttpAddress {
  host: string;
  port: number;
  /** Served over HTTPS. */
  tls: boolean;
}

export interface ListenerAddresses {
  nats: { host: string; port: number };
  kafka: readonly KafkaAddress[];
  http: HttpAddress | null;
}

/** The monitor's base address: http(s)://host:port. */
export function monitorBase(http: HttpAddress): string {
  return `${http.tls ? 'https' : 'http'}://${displayHost(http.host)}:${http.port}`;
}

export function listenerInfos(a: ListenerAddresses): ListenerInfo[] {
  const out: ListenerInfo[] = [{ protocol: 'nats', host: a.nats.host, port: a.nats.port, url: `nats://${displayHost(a.nats.host)}:${a.nats.port}`, security: null }];
  for (const k of a.kafka) out.push({ protocol: 'kafka', host: k.host, port: k.port, url: `${displayHost(k.advertisedHost)}:${k.advertisedPort}`, security: k.protocol });
  if (a.http !== null) out.push({ protocol: 'http', host: a.http.host, port: a.http.port, url: `${monitorBase(a.http)}/`, security: a.http.tls ? 'HTTPS' : null });
  return out;
}

/** The console's address, for the ready line. */
export function consoleUrl(http: HttpAddress): string {
  return `${monitorBase(http)}/console/`;
}
