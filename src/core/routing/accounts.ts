// NATS accounts: each account is a subject space of its own (a Router), so that a message
// published in one account reaches only that account's subscribers; the global account ($G) is
// the broker's main router (the one JetStream and Kafka records use). Accounts share subjects only
// through exports and imports, as nats-server's accounts do:
// - a stream export of account A imported by B: messages published in A on the imported subject
//   are delivered to B's subscribers, on the same subject, under a prefix, or on `to`; the bridge
//   is a subscription in A only while B has interest in what it forwards (a subscription or a
//   stream capture colliding with the import's subject in B), as nats-server's shadow
//   subscriptions are: a push consumer of A delivering to an imported deliver subject is active
//   only while somebody in B listens;
// - a service export of A imported by B: requests B's clients publish on the local subject (`to`,
//   or the subject itself) go to A's responders on the exported subject, with a reply subject of
//   A's (_R_.<token>) that carries the responses back to the requester's reply subject in B; a
//   Singleton service answers once, Stream and Chunked services until the response threshold.
// resolveService() follows an account's service imports to the account and subject a request
// ends up in (JetStream's `external` API prefixes of mirrors and sources), streamReaches() tells
// whether a stream import carries an account's subject into another.
// An import that names a missing account, a subject the exporter does not export, or an export
// restricted to other accounts is refused when the accounts are built, naming it.
import { randomBytes } from 'node:crypto';
import type { AccountExport, AccountImport, NatsAccount } from '../security/nats-users.js';
import { GLOBAL_ACCOUNT } from '../security/principal.js';
import { FULL_WILDCARD, SINGLE_WILDCARD, TOKEN_SEPARATOR, isValidSubject } from './subject.js';
import { Router, type RoutedSubscription, type SubscriptionOwner } from './router.js';
import { SubjectTransform } from './subject-transform.js';
import { subjectsCollide } from '../security/subject-permissions.js';

export class AccountConfigError extends Error {
  override name = 'AccountConfigError';
}

/** nats-server's default response threshold: how long a service import waits for responses. */
const RESPONSE_THRESHOLD_MS = 2 * 60_000;
/** Imports forwarding into imports: more hops than this is a loop of exports, and is dropped. */
const MAX_HOPS = 8;

/** Bridges are no connection: they receive their own account's messages like any subscriber. */
const BRIDGE_OWNER: SubscriptionOwner = Object.freeze({ echo: true });

/** Whether every subject `inner` can match is matched by `outer` (both may hold wildcards). */
export function isSubsetSubject(inner: string, outer: string): boolean {
  const a = inner.split(TOKEN_SEPARATOR);
  const b = outer.split(TOKEN_SEPARATOR);
  for (let i = 0; i < b.length; i++) {
    const t = b[i]!;
    if (t === FULL_WILDCARD) return i < a.length;
    if (i >= a.length) return false;
    const s = a[i]!;
    if (s === FULL_WILDCARD) return false;
    if (t === SINGLE_WILDCARD) continue;
    if (s !== t) return false;
  }
  return a.length === b.length;
}

/** A transform from `source` to `destination`, where '*' of the destination stands for the source's wildcards in order. */
function transformOf(source: string, destination: string): SubjectTransform | null {
  if (source === destination) return null;
  let n = 0;
  const dest = destination
    .split(TOKEN_SEPARATOR)
    .map((t) => (t === SINGLE_WILDCARD ? `{{wildcard(${++n})}}` : t))
    .join(TOKEN_SEPARATOR);
  return SubjectTransform.compile(source, dest);
}

function applied(t: SubjectTransform | null, subject: string): string {
  return t === null ? subject : t.apply(subject.split(TOKEN_SEPARATOR), subject);
}

/** Hops of the message being forwarded right now (bridges deliver synchronously). */
let hops = 0;

/** A stream import: a subscription in the exporter's account that republishes into the importer's. */
class StreamBridge implements RoutedSubscription {
  readonly owner = BRIDGE_OWNER;
  readonly queue = undefined;
  constructor(
    readonly subject: string,
    private readonly source: Router,
    private readonly target: Router,
    private readonly map: (subject: string) => string,
  ) {}

  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean {
    if (hops >= MAX_HOPS) return false;
    hops++;
    try {
      // A message delivered to a subject other than its own (a JetStream push delivery to its
      // deliver subject) reaches the importer's subscribers of that subject, keeping its own.
      const matched = this.source.matched;
      if (matched !== '' && matched !== subject) return this.target.deliverAsRange(this.map(matched), subject, reply, hdrLen, buf, start, end, null) > 0;
      return this.target.routeRange(this.map(subject), reply, hdrLen, buf, start, end, null) > 0;
    } finally {
      hops--;
    }
  }
}

/**
 * A stream import's interest: its bridge is in the exporter's account while subscriptions or
 * captures of the importer collide with the import's subject there (counted through the
 * importer's sublists), as nats-server keeps shadow subscriptions for the importer's ones.
 */
class StreamImportInterest {
  private count = 0;
  constructor(
    /** The import's subject space in the importer's account (its prefix or `to` applied). */
    readonly local: string,
    /** The exporter's subject it takes, and the account. */
    readonly exported: string,
    readonly exporterAccount: string,
    private readonly bridge: StreamBridge,
    private readonly source: Router,
  ) {}

  changed(subject: string, added: boolean): void {
    if (!subjectsCollide(subject, this.local)) return;
    if (added) {
      if (this.count++ === 0) this.source.subscriptions.insert(this.bridge);
    } else if (this.count > 0 && --this.count === 0) {
      this.source.subscriptions.remove(this.bridge);
    }
  }

  close(): void {
    if (this.count > 0) this.source.subscriptions.remove(this.bridge);
    this.count = 0;
  }
}

interface PendingResponse {
  readonly bridge: ResponseBridge;
  readonly expires: number;
}

/** The reply subject of a forwarded request, in the exporter's account: carries responses to the requester. */
class ResponseBridge implements RoutedSubscription {
  readonly owner = BRIDGE_OWNER;
  readonly queue = undefined;
  constructor(
    readonly subject: string,
    private readonly requester: Router,
    private readonly reply: string,
    private readonly singleton: boolean,
    private readonly done: (b: ResponseBridge) => void,
  ) {}

  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean {
    if (this.singleton) this.done(this);
    // A response published to the bridge's subject arrives on the requester's reply subject; one
    // delivered to it under another subject (a JetStream pull delivery keeps the message's own
    // subject, as nats-server's does) keeps that subject.
    return this.requester.deliverAsRange(this.reply, subject === this.subject ? this.reply : subject, reply, hdrLen, buf, start, end, null) > 0;
  }
}

/** A service import: a subscription in the importer's account that forwards requests to the exporter's. */
class ServiceBridge implements RoutedSubscription {
  readonly owner = BRIDGE_OWNER;
  readonly queue = undefined;
  constructor(
    readonly subject: string,
    private readonly importer: Router,
    private readonly exporter: Router,
    /** The exporting account's name. */
    readonly exporterAccount: string,
    private readonly transform: SubjectTransform | null,
    private readonly singleton: boolean,
    private readonly responses: ResponseTracker,
  ) {}

  /** The exporter's subject of a request on `subject`. */
  target(subject: string): string {
    return applied(this.transform, subject);
  }

  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean {
    if (hops >= MAX_HOPS) return false;
    const target = applied(this.transform, subject);
    const forwardedReply = reply === undefined ? undefined : this.responses.open(this.exporter, this.importer, reply, this.singleton);
    hops++;
    try {
      const n = this.exporter.routeRange(target, forwardedReply, hdrLen, buf, start, end, null);
      if (n === 0 && forwardedReply !== undefined) this.responses.close(this.exporter, forwardedReply);
      return n > 0;
    } finally {
      hops--;
    }
  }
}

/** The open response subjects of service imports, swept when they pass the response threshold. */
class ResponseTracker {
  private readonly pending = new Map<string, PendingResponse>();
  private readonly prefix = `_R_.${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')}.`;
  private next = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly routers = new Map<string, Router>();

  open(exporter: Router, requester: Router, reply: string, singleton: boolean): string {
    const subject = `${this.prefix}${(this.next++).toString(36)}`;
    const bridge = new ResponseBridge(subject, requester, reply, singleton, (b) => this.close(exporter, b.subject));
    exporter.subscriptions.insert(bridge);
    this.pending.set(subject, { bridge, expires: Date.now() + RESPONSE_THRESHOLD_MS });
    this.routers.set(subject, exporter);
    this.sweeper ??= setInterval(() => this.sweep(), 10_000).unref();
    return subject;
  }

  close(exporter: Router, subject: string): void {
    const p = this.pending.get(subject);
    if (p === undefined) return;
    this.pending.delete(subject);
    this.routers.delete(subject);
    exporter.subscriptions.remove(p.bridge);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [subject, p] of this.pending) {
      if (p.expires <= now) this.close(this.routers.get(subject)!, subject);
    }
    if (this.pending.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Open response subjects (for tests and monitoring). */
  get size(): number {
    return this.pending.size;
  }

  stop(): void {
    for (const [subject] of [...this.pending]) this.close(this.routers.get(subject)!, subject);
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

function findExport(exports: readonly AccountExport[], kind: AccountExport['kind'], subject: string, importer: string): AccountExport | 'denied' | undefined {
  let denied = false;
  for (const e of exports) {
    if (e.kind !== kind || !isSubsetSubject(subject, e.subject)) continue;
    if (e.accounts === undefined || e.accounts.includes(importer)) return e;
    denied = true;
  }
  return denied ? 'denied' : undefined;
}

export class Accounts {
  private readonly routers = new Map<string, Router>();
  private readonly bridges: Array<{ router: Router; bridge: RoutedSubscription }> = [];
  /** Each importer's stream imports, whose bridges follow its interest. */
  private readonly streamImports = new Map<string, StreamImportInterest[]>();
  readonly responses = new ResponseTracker();

  /**
   * @param global the global account's router ($G: the broker's own).
   * @param accounts the configured accounts by name; each gets a router of its own.
   */
  constructor(global: Router, accounts: Readonly<Record<string, NatsAccount>> = {}) {
    this.routers.set(GLOBAL_ACCOUNT, global);
    for (const name of Object.keys(accounts)) if (name !== GLOBAL_ACCOUNT) this.routers.set(name, new Router());
    for (const [name, account] of Object.entries(accounts)) {
      if (!(account.imports ?? []).some((i) => i.kind === 'stream')) continue;
      const router = this.routers.get(name)!;
      const list: StreamImportInterest[] = [];
      this.streamImports.set(name, list);
      const changed = (sub: { subject: string }, added: boolean): void => {
        for (const i of list) i.changed(sub.subject, added);
      };
      router.subscriptions.onMembership = changed;
      router.captures.onMembership = changed;
    }
    for (const [name, account] of Object.entries(accounts)) {
      for (const imp of account.imports ?? []) this.wire(name, imp, accounts);
    }
  }

  /** The account names, the global one first. */
  get names(): string[] {
    return [...this.routers.keys()];
  }

  /** The router of an account; throws for an account that is not configured. */
  router(name: string): Router {
    const r = this.routers.get(name);
    if (r === undefined) throw new AccountConfigError(`account ${JSON.stringify(name)} is not configured`);
    return r;
  }

  has(name: string): boolean {
    return this.routers.has(name);
  }

  private wire(importer: string, imp: AccountImport, accounts: Readonly<Record<string, NatsAccount>>): void {
    const what = `account ${importer}: the ${imp.kind} import of ${JSON.stringify(imp.subject)} from ${imp.account}`;
    const exporter = accounts[imp.account];
    if (exporter === undefined || !this.routers.has(imp.account)) throw new AccountConfigError(`${what}: no such account`);
    if (!isValidSubject(imp.subject)) throw new AccountConfigError(`${what}: not a valid subject`);
    const found = findExport(exporter.exports ?? [], imp.kind, imp.subject, importer);
    if (found === undefined) throw new AccountConfigError(`${what}: ${imp.account} does not export it`);
    if (found === 'denied') throw new AccountConfigError(`${what}: not authorized (the export names other accounts)`);
    const source = this.routers.get(imp.account)!;
    const target = this.routers.get(importer)!;
    try {
      if (imp.kind === 'stream') {
        const prefix = imp.prefix;
        const t = prefix === undefined && imp.to !== undefined ? transformOf(imp.subject, imp.to) : null;
        const map = prefix !== undefined ? (s: string) => `${prefix}${TOKEN_SEPARATOR}${s}` : (s: string) => applied(t, s);
        const bridge = new StreamBridge(imp.subject, source, target, map);
        const local = prefix !== undefined ? `${prefix}${TOKEN_SEPARATOR}${imp.subject}` : (imp.to ?? imp.subject);
        const interest = new StreamImportInterest(local, imp.subject, imp.account, bridge, source);
        this.streamImports.get(importer)!.push(interest);
        // What the importer has already (bridges of other imports, in import order) counts.
        for (const s of [...target.subscriptions.all(), ...target.captures.all()]) interest.changed(s.subject, true);
      } else {
        const local = imp.to ?? imp.subject;
        const bridge = new ServiceBridge(local, target, source, imp.account, transformOf(local, imp.subject), found.responseType === undefined || found.responseType === 'Singleton', this.responses);
        target.subscriptions.insert(bridge);
        this.bridges.push({ router: target, bridge });
      }
    } catch (e) {
      if (e instanceof AccountConfigError) throw e;
      throw new AccountConfigError(`${what}: ${(e as Error).message}`);
    }
  }

  /**
   * Where a request published in `account` on the literal `subject` is answered: its service
   * imports followed (through the exporters' own imports) to the account and subject it arrives
   * on; the account itself when no import takes it.
   */
  resolveService(account: string, subject: string): { account: string; subject: string } {
    let at = account;
    let subj = subject;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const router = this.routers.get(at);
      if (router === undefined) break;
      const bridge = router.subscriptions.match(subj).plain.find((s): s is ServiceBridge => s instanceof ServiceBridge);
      if (bridge === undefined) break;
      subj = bridge.target(subj);
      at = bridge.exporterAccount;
    }
    return { account: at, subject: subj };
  }

  /** Whether a message published in `from` on the literal `subject` reaches `to` on that subject (the same account, or a stream import of `to`'s from `from` that keeps subjects). */
  streamReaches(from: string, subject: string, to: string): boolean {
    if (from === to) return true;
    return (this.streamImports.get(to) ?? []).some((i) => i.exporterAccount === from && i.local === i.exported && isSubsetSubject(subject, i.exported));
  }

  /** Removes the bridges and open responses. */
  close(): void {
    for (const { router, bridge } of this.bridges) router.subscriptions.remove(bridge);
    this.bridges.length = 0;
    for (const [name, list] of this.streamImports) {
      const router = this.routers.get(name)!;
      router.subscriptions.onMembership = null;
      router.captures.onMembership = null;
      for (const i of list) i.close();
    }
    this.streamImports.clear();
    this.responses.stop();
  }
}
