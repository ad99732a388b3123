// The Kafka listeners an operator configures, as Kafka's `listeners`, `advertised.listeners` and
// `listener.security.protocol.map` describe them: a name, an address, a security protocol, what
// clients are told to connect to, and each listener's SASL settings. The broker's options carry
// these (src/config.ts); the server.properties reader produces them (config/kafka-properties.ts);
// the Kafka front-end opens one listener per entry.

export type KafkaSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export const KAFKA_SECURITY_PROTOCOLS: readonly KafkaSecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export interface KafkaListenerConfig {
  /** The listener's name (PLAINTEXT, or a name the protocol map gives a protocol). */
  readonly name: string;
  /** Interface to bind; '' for every interface. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly protocol: KafkaSecurityProtocol;
  /** What Metadata tells clients of this listener; defaults to the bound address. */
  readonly advertisedHost?: string;
  readonly advertisedPort?: number;
  /** SASL mechanisms of this listener (listener.name.<l>.sasl.enabled.mechanisms); defaults to the broker's. */
  readonly saslMechanisms?: readonly SaslMechanism[];
  /** PLAIN users of this listener (its PlainLoginModule's user_<name>="<password>"); defaults to the broker's. */
  readonly plainUsers?: Readonly<Record<string, string>>;
}

export function usesSasl(p: KafkaSecurityProtocol): boolean {
  return p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';
}

export function usesTls(p: KafkaSecurityProtocol): boolean {
  return p === 'SSL' || p === 'SASL_SSL';
}

/**
 * Kafka's listener list: "NAME://host:port,NAME2://[::1]:port" with an empty host for every
 * interface. `protocols` maps names to security protocols (listener.security.protocol.map; by
 * default each protocol names itself).
 */
export function parseListenerList(text: string, protocols: ReadonlyMap<string, KafkaSecurityProtocol>, what = 'listeners'): { name: string; host: string; port: number; protocol: KafkaSecurityProtocol }[] {
  const out: { name: string; host: string; port: number; protocol: KafkaSecurityProtocol }[] = [];
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (m === null) throw new Error(`${what}: ${JSON.stringify(entry)} is not NAME://host:port`);
    const name = m[1]!.toUpperCase();
    const protocol = protocols.get(name);
    if (protocol === undefined) throw new Error(`${what}: listener ${name} has no security protocol (listener.security.protocol.map)`);
    if (out.some((l) => l.name === name)) throw new Error(`${what}: listener ${name} is given twice`);
    const port = Number(m[3]);
    if (port > 65_535) throw new Error(`${what}: ${entry}: port out of range`);
    out.push({ name, host: m[2]!.replace(/^\[|\]$/g, ''), port, protocol });
  }
  return out;
}

/** The default protocol map, with `text` ("NAME:PROTOCOL,...") over it. */
export function parseProtocolMap(text: string | undefined): Map<string, KafkaSecurityProtocol> {
  const map = new Map<string, KafkaSecurityProtocol>(KAFKA_SECURITY_PROTOCOLS.map((p) => [p, p]));
  if (text === undefined) return map;
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, protocol] = entry.split(':').map((s) => s.trim().toUpperCase());
    if (name === undefined || protocol === undefined || !(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new Error(`listener.security.protocol.map: ${JSON.stringify(entry)} is not NAME:PROTOCOL with a protocol of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`);
    }
    map.set(name, protocol as KafkaSecurityProtocol);
  }
  return map;
}
