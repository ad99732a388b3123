// The server side of a SASL mechanism, as the Kafka front-end drives it: one session per
// authentication, fed the client's tokens in turn, answering a challenge, a success with the
// authenticated user, or a failure with the message Kafka's own mechanism gives. Mechanisms
// know no wire format: the front-end carries the tokens (SaslAuthenticate, or raw frames after a
// v0 SaslHandshake).

export type SaslStep =
  /** More tokens are needed: send the challenge. */
  | { readonly kind: 'challenge'; readonly challenge: Buffer }
  /** Authenticated as `user`; `final` is the server's last message, if the mechanism has one. */
  | { readonly kind: 'success'; readonly user: string; readonly final?: Buffer; readonly lifetimeMs?: number }
  /** Refused, with Kafka's message. */
  | { readonly kind: 'failure'; readonly message: string };

export interface SaslSession {
  step(token: Buffer): SaslStep | Promise<SaslStep>;
}

export interface SaslServerMechanism {
  readonly name: string;
  /** A new session for one authentication. */
  start(): SaslSession;
}
