// A NATS server under test, either the reference nats-server or Wharf, started from one
// description of the settings that matter (auth, limits), so that a scenario can run the same
// way against both.
import type { OptionsByFlag } from '../../src/config.js';
import { startNatsServer } from './nats-server.js';
import { startWharf } from './wharf.js';

export interface NatsProfile {
  token?: string;
  user?: string;
  pass?: string;
  /** Milliseconds a new connection has to authenticate (only meaningful with auth). */
  authTimeoutMs?: number;
  maxPayload?: number;
  maxConnections?: number;
  maxSubscriptions?: number;
  maxControlLine?: number;
  pingIntervalMs?: number;
  maxPingsOut?: number;
}

export type TargetKind = 'nats-server' | 'wharf';

export interface NatsTarget {
  readonly kind: TargetKind;
  readonly host: string;
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly info: Record<string, unknown>;
  close(): Promise<void>;
}

/** nats-server configuration file text for a profile. */
export function natsServerConfig(p: NatsProfile): string {
  const lines: string[] = [];
  const auth: string[] = [];
  if (p.token !== undefined) auth.push(`token: ${JSON.stringify(p.token)}`);
  if (p.user !== undefined) auth.push(`user: ${JSON.stringify(p.user)}`, `password: ${JSON.stringify(p.pass ?? '')}`);
  if (auth.length && p.authTimeoutMs !== undefined) auth.push(`timeout: ${p.authTimeoutMs / 1000}`);
  if (auth.length) lines.push(`authorization {\n  ${auth.join('\n  ')}\n}`);
  if (p.maxPayload !== undefined) lines.push(`max_payload: ${p.maxPayload}`);
  if (p.maxConnections !== undefined) lines.push(`max_connections: ${p.maxConnections}`);
  if (p.maxSubscriptions !== undefined) lines.push(`max_subscriptions: ${p.maxSubscriptions}`);
  if (p.maxControlLine !== undefined) lines.push(`max_control_line: ${p.maxControlLine}`);
  if (p.pingIntervalMs !== undefined) lines.push(`ping_interval: "${p.pingIntervalMs}ms"`);
  if (p.maxPingsOut !== undefined) lines.push(`ping_max: ${p.maxPingsOut}`);
  return lines.join('\n') + '\n';
}

/** Wharf broker options for a profile. */
export function wharfOptions(p: NatsProfile): OptionsByFlag {
  const o: OptionsByFlag = {};
  if (p.token !== undefined) o.authToken = p.token;
  if (p.user !== undefined) {
    o.user = p.user;
    o.pass = p.pass ?? '';
  }
  if (p.authTimeoutMs !== undefined) o.authTimeout = p.authTimeoutMs;
  if (p.maxPayload !== undefined) o.maxPayload = p.maxPayload;
  if (p.maxConnections !== undefined) o.maxConnections = p.maxConnections;
  if (p.maxSubscriptions !== undefined) o.maxSubscriptions = p.maxSubscriptions;
  if (p.maxControlLine !== undefined) o.maxControlLine = p.maxControlLine;
  if (p.pingIntervalMs !== undefined) o.pingInterval = p.pingIntervalMs;
  if (p.maxPingsOut !== undefined) o.maxPingsOut = p.maxPingsOut;
  return o;
}

export async function startTarget(kind: TargetKind, profile: NatsProfile = {}): Promise<NatsTarget> {
  if (kind === 'nats-server') return startNatsServer({ config: natsServerConfig(profile) });
  return startWharf(wharfOptions(profile));
}

/**
 * The server the Wharf side of a comparison runs against: Wharf, unless
 * WHARF_NATS_SUBJECT=nats-server (used to check the harness itself: both sides the reference).
 */
export function subjectKind(): TargetKind {
  const v = process.env.WHARF_NATS_SUBJECT;
  if (v === undefined || v === '' || v === 'wharf') return 'wharf';
  if (v === 'nats-server') return 'nats-server';
  throw new Error(`WHARF_NATS_SUBJECT must be wharf or nats-server, got ${JSON.stringify(v)}`);
}
