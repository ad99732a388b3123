// Waiting until a NATS server has registered subscriptions, through its monitoring endpoint:
// /subsz?subs=1&test=<subject> lists the subscriptions a publish to <subject> would reach, and
// nats-server and Wharf answer it alike. A CLI that prints "subscribing" may not have had its SUB
// reach the server yet: a publish right after it can be lost, so tests wait for this instead.
import { waitForValue } from './wait.js';

export interface MonitoredServer {
  readonly host: string;
  readonly httpPort: number | undefined;
}

/** Subscriptions a publish to `subject` (a literal subject) would reach right now. */
export async function interestIn(server: MonitoredServer, subject: string): Promise<number> {
  if (server.httpPort === undefined) throw new Error('the server under test has no monitoring port: start it with one to wait for interest');
  const res = await fetch(`http://${server.host}:${server.httpPort}/subsz?subs=1&test=${encodeURIComponent(subject)}`);
  if (!res.ok) throw new Error(`/subsz answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { total?: unknown };
  return typeof body.total === 'number' ? body.total : 0;
}

/** Waits until at least `count` subscriptions would receive a publish to `subject`. */
export async function waitForInterest(server: MonitoredServer, subject: string, count: number, timeoutMs = 10_000): Promise<void> {
  await waitForValue(() => interestIn(server, subject), (n) => n >= count, { what: `${count} subscription(s) matching ${subject} on the server`, timeoutMs });
}
