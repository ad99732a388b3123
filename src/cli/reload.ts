// Config reload on SIGHUP, as nats-server does it: the command line and its config file are
// read again, every option is compared with the one in force, and the changes are reported.
// What can change on a running broker is applied: the log level, the NATS limits (payload,
// connections, subscriptions, control line, pings, write deadline, pending bytes, timeouts),
// the NATS credentials (new connections), and the subject mappings (router.setMappings, checked
// before they replace the old ones). Everything else (listeners, storage, Kafka, groups,
// JetStream, NATS users, accounts and TLS settings) is reported as needing a restart and left
// as it is. The certificate and key files themselves are re-read on the same signal
// (broker.reloadTls, before this runs), so renewed certificates need no restart.
import { OPTIONS, type BrokerOptions, type OptionSpec } from '../config.js';
import type { Broker } from '../broker.js';
import { setLogLevel } from '../log.js';

/** Flags whose change a running broker takes. */
const LIVE = new Set([
  'log-level',
  'mappings',
  'max-payload',
  'max-connections',
  'max-subscriptions',
  'max-control-line',
  'ping-interval',
  'max-pings-out',
  'write-deadline',
  'max-pending',
  'auth-timeout',
  'lame-duck-duration',
  'lame-duck-grace-period',
  'user',
  'pass',
  'auth-token',
]);
const CREDENTIALS = new Set(['user', 'pass', 'auth-token']);
/** Shown as "[changed]" rather than by value. */
const SECRET = new Set(['pass', 'auth-token']);

export interface OptionChange {
  flag: string;
  from: string;
  to: string;
}

export interface ReloadReport {
  applied: OptionChange[];
  needsRestart: OptionChange[];
  /** A live change that was refused (bad mappings); the old value stays. */
  refused: Array<OptionChange & { error: string }>;
}

function valueAt(o: BrokerOptions, spec: OptionSpec): unknown {
  const p = spec.path;
  if (p.length === 1) return o[p[0]];
  const section = o[p[0]] as unknown as Record<string, unknown>;
  return section[p[1]];
}

const show = (spec: OptionSpec, v: unknown): string => (v === undefined ? '(unset)' : SECRET.has(spec.flag) ? '[redacted]' : spec.kind.show(v));

/** The options whose values differ, by flag. */
export function diffOptions(current: BrokerOptions, next: BrokerOptions): Array<OptionChange & { spec: OptionSpec }> {
  const out: Array<OptionChange & { spec: OptionSpec }> = [];
  for (const spec of OPTIONS) {
    const a = valueAt(current, spec);
    const b = valueAt(next, spec);
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    out.push({ flag: spec.flag, from: show(spec, a), to: show(spec, b), spec });
  }
  return out;
}

/** Applies what can change on the running broker; returns what changed, what was applied and what needs a restart. */
export function reloadBroker(broker: Broker, next: BrokerOptions): ReloadReport {
  const report: ReloadReport = { applied: [], needsRestart: [], refused: [] };
  const changes = diffOptions(broker.options, next);
  const live = changes.filter((c) => LIVE.has(c.flag));
  for (const c of changes) if (!LIVE.has(c.flag)) report.needsRestart.push({ flag: c.flag, from: c.from, to: c.to });

  let credentials = false;
  let natsChanged = false;
  for (const c of live) {
    const { flag, from, to } = c;
    if (flag === 'log-level') {
      setLogLevel(broker.logger, next.logLevel);
      broker.options.logLevel = next.logLevel;
    } else if (flag === 'mappings') {
      try {
        broker.router.setMappings(next.nats.mappings ?? null);
        broker.options.nats.mappings = next.nats.mappings;
      } catch (e) {
        report.refused.push({ flag, from, to, error: (e as Error).message });
        continue;
      }
    } else {
      natsChanged = true;
      if (CREDENTIALS.has(flag)) credentials = true;
    }
    report.applied.push({ flag, from, to });
  }
  if (natsChanged) {
    // Only the live NATS options take their new values; the others stay as they are in force.
    const current: BrokerOptions['nats'] = { ...broker.options.nats };
    for (const c of live) {
      const p = c.spec.path;
      if (p.length !== 2 || p[0] !== 'nats' || p[1] === 'mappings') continue;
      const value: unknown = Reflect.get(next.nats, p[1]);
      if (value === undefined) Reflect.deleteProperty(current, p[1]);
      else Reflect.set(current, p[1], value);
    }
    broker.nats.reload(current, credentials);
  }
  broker.configLoaded();
  return report;
}
