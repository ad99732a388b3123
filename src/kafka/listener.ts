// One Kafka listener: an address with a security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT,
// SASL_SSL), what Metadata tells its clients to connect to, its SASL mechanisms, and how the
// principal of a TLS client is named. The listener's connections read this scope; the server
// opens one TCP or TLS server per listener.
import type { KafkaSecurityProtocol } from '../core/security/kafka-listeners.js';
import type { SaslServerMechanism } from '../core/security/sasl/mechanism.js';
import type { ClusterIdentity } from './context.js';

export interface ListenerScope {
  readonly name: string;
  readonly protocol: KafkaSecurityProtocol;
  /** This node as this listener's clients must reach it (Metadata, FindCoordinator, DescribeCluster). */
  readonly cluster: ClusterIdentity;
  /** Mechanisms by name on a SASL listener; null on the others. */
  readonly sasl: ReadonlyMap<string, SaslServerMechanism> | null;
  /** Kafka's connections.max.reauth.ms (0: sessions do not expire). */
  readonly reauthMs: number;
  /** The name of a TLS client's principal from its certificate's RFC 2253 subject (throws when no rule applies). */
  readonly mapSslPrincipal: (dn: string) => string;
}
