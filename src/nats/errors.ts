// The -ERR texts nats-server sends, byte for byte, since clients match on them
// (nats.js and nats.go turn several into typed errors). Whether the connection is closed
// afterwards is decided where each error is raised, as nats-server does.
import { goQuote } from './go-quote.js';
export const ERR = {
  unknownOperation: 'Unknown Protocol Operation',
  authorizationViolation: 'Authorization Violation',
  authenticationTimeout: 'Authentication Timeout',
  maxPayload: 'Maximum Payload Violation',
  maxControlLine: 'maximum control line exceeded',
  staleConnection: 'Stale Connection',
  invalidSubject: 'Invalid Subject',
  invalidPublishSubject: 'Invalid Publish Subject',
  maxConnections: 'maximum connections exceeded',
  maxSubscriptions: 'maximum subscriptions exceeded',
  maxAccountConnections: 'maximum account active connections exceeded',
  authenticationExpired: 'User Authentication Expired',
  badClientProtocol: 'invalid client protocol',
  noRespondersRequiresHeaders: 'no responders requires headers support',
} as const;

export function errLine(text: string): Buffer {
  return Buffer.from(`-ERR '${text}'\r\n`, 'latin1');
}

/** A refused publish: the message is dropped, the connection stays open. */
export function publishViolation(subject: string): string {
  return `Permissions Violation for Publish to ${goQuote(subject)}`;
}

/** A refused subscription: nothing is subscribed, the connection stays open. */
export function subscribeViolation(subject: string, queue: string | undefined): string {
  const text = `Permissions Violation for Subscription to ${goQuote(subject)}`;
  return queue === undefined ? text : `${text} using queue ${goQuote(queue)}`;
}
