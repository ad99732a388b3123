// The durable part of Kafka security, and the other state Kafka keeps in its metadata log:
// SCRAM credentials, ACL bindings, client quotas and dynamic broker configs, kept as records of a
// compacted internal topic (`__wharf_security`, Wharf's stand-in for the records Kafka keeps in
// its metadata log) and replayed at start. Credentials are stored as Kafka stores them: salt,
// iterations, StoredKey and ServerKey, never the password or the salted password. The topic is
// the broker's own: the Kafka front-end refuses every client operation on it, super users
// included, so neither the keys nor the ACLs can be read or forged through the wire.
//
// Records (internal-topic.ts's format):
//   ["scram", user, mechanism]  → {v: 1, salt, storedKey, serverKey, iterations} (base64 keys)
//   ["acl", type, name, pattern, principal, host, operation, permission] → {v: 1}
//   ["quota", user or null (default) or absent, client id likewise] → {v: 1, values: {key: number}}
//   ["broker-config", "" (cluster default) or node id] → {v: 1, configs: {name: value}} (the level's whole set)
// and tombstones (null) for deleted credentials and ACLs.
import type { Logger } from '../../log.js';
import { InternalTopic, type InternalKey, type InternalRecord } from '../coordinators/internal-topic.js';
import type { Log } from '../log/index.js';
import { aclKey, type AclBinding } from './acl.js';
import { ClientQuotas, QUOTA_KEYS, quotaEntityKey, type QuotaEntity, type QuotaKey } from './client-quotas.js';
import { SCRAM_MECHANISMS, type ScramCredential, type ScramMechanismInfo } from './scram.js';

export const SECURITY_TOPIC = '__wharf_security';

export interface ScramUpsert {
  readonly user: string;
  readonly mechanism: ScramMechanismInfo;
  readonly credential: ScramCredential;
}

export interface ScramDeletion {
  readonly user: string;
  readonly mechanism: ScramMechanismInfo;
}

function aclRecordKey(b: AclBinding): InternalKey {
  return ['acl', b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission];
}

function bindingOf(key: InternalKey): AclBinding | null {
  const [, resourceType, resourceName, patternType, principal, host, operation, permission] = key;
  if (typeof resourceType !== 'number' || typeof resourceName !== 'string' || typeof patternType !== 'number' || typeof principal !== 'string') return null;
  if (typeof host !== 'string' || typeof operation !== 'number' || typeof permission !== 'number') return null;
  return { resourceType, resourceName, patternType, principal, host, operation, permission };
}

function credentialOf(value: Record<string, unknown>): ScramCredential | null {
  const { salt, storedKey, serverKey, iterations } = value;
  if (typeof salt !== 'string' || typeof storedKey !== 'string' || typeof serverKey !== 'string' || typeof iterations !== 'number') return null;
  return { salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64'), iterations };
}

/** A quota entity in a record key: ["u", name] / ["u", null] / ["u"] (absent), then the same for "c". */
function entityKeyParts(e: QuotaEntity): InternalKey {
  return ['u', e.user === undefined ? '-' : e.user === null ? '*' : `=${e.user}`, 'c', e.clientId === undefined ? '-' : e.clientId === null ? '*' : `=${e.clientId}`];
}

function entityOf(key: InternalKey): QuotaEntity | null {
  const [, , u, , c] = key;
  if (typeof u !== 'string' || typeof c !== 'string') return null;
  const part = (p: string): string | null | undefined => (p === '-' ? undefined : p === '*' ? null : p.slice(1));
  const user = part(u);
  const clientId = part(c);
  return { ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) };
}

export class SecurityStore {
  /** user → mechanism name → credential. */
  private readonly scram = new Map<string, Map<string, ScramCredential>>();
  private readonly acls = new Map<string, AclBinding>();
  private readonly aclListeners: Array<(acls: Iterable<AclBinding>) => void> = [];
  /** Client quota values, and their sensors. */
  readonly quotas = new ClientQuotas();
  /** Dynamic broker configs by level ("" or the node id). */
  private readonly brokerConfigSets = new Map<string, Record<string, string>>();

  private constructor(private readonly topic: InternalTopic) {}

  /** Opens the store and replays its records. */
  static async open(log: Log, logger: Logger): Promise<SecurityStore> {
    const store = new SecurityStore(await InternalTopic.open(log, SECURITY_TOPIC, logger));
    await store.topic.replay((key, value) => store.apply(key, value));
    const failure = store.topic.failure;
    // Unlike a coordinator's topic, this one is not let go offline: serving without the deny
    // ACLs, credentials or quotas it holds would change who may do what. Fail closed.
    if (failure !== null) throw new Error(`internal topic ${SECURITY_TOPIC} is damaged (${failure.message}): the broker does not start without its ACLs, credentials and quotas; restore the partition or remove the topic's directory to start without them (docs/reliability.md, "Damaged internal topics")`);
    return store;
  }

  private apply(key: InternalKey, value: Record<string, unknown> | null): void {
    if (key[0] === 'scram') {
      const [, user, mech] = key;
      if (typeof user !== 'string' || typeof mech !== 'string') return;
      const credential = value === null ? null : credentialOf(value);
      if (credential === null) this.removeCredential(user, mech);
      else this.setCredential(user, mech, credential);
    } else if (key[0] === 'quota') {
      const entity = entityOf(key);
      if (entity === null) return;
      for (const k of QUOTA_KEYS) this.quotas.set(entity, k, null);
      const values = value === null ? {} : ((value.values ?? {}) as Record<string, unknown>);
      for (const k of QUOTA_KEYS) if (typeof values[k] === 'number') this.quotas.set(entity, k, values[k]);
    } else if (key[0] === 'broker-config') {
      const [, resource] = key;
      if (typeof resource !== 'string') return;
      const configs = value === null ? {} : ((value.configs ?? {}) as Record<string, unknown>);
      const set: Record<string, string> = {};
      for (const [k, v] of Object.entries(configs)) if (typeof v === 'string') set[k] = v;
      if (Object.keys(set).length === 0) this.brokerConfigSets.delete(resource);
      else this.brokerConfigSets.set(resource, set);
    } else if (key[0] === 'acl') {
      const binding = bindingOf(key);
      if (binding === null) return;
      if (value === null) this.acls.delete(aclKey(binding));
      else this.acls.set(aclKey(binding), binding);
    }
  }

  private setCredential(user: string, mech: string, credential: ScramCredential): void {
    let byMech = this.scram.get(user);
    if (byMech === undefined) this.scram.set(user, (byMech = new Map()));
    byMech.set(mech, credential);
  }

  private removeCredential(user: string, mech: string): void {
    const byMech = this.scram.get(user);
    byMech?.delete(mech);
    if (byMech?.size === 0) this.scram.delete(user);
  }

  // --- SCRAM -----------------------------------------------------------------------------

  credential(user: string, mechanism: ScramMechanismInfo): ScramCredential | undefined {
    return this.scram.get(user)?.get(mechanism.name);
  }

  /** The mechanisms and iterations of a user's credentials (empty when it has none). */
  credentialsOf(user: string): Array<{ mechanism: ScramMechanismInfo; iterations: number }> {
    const byMech = this.scram.get(user);
    if (byMech === undefined) return [];
    return SCRAM_MECHANISMS.filter((m) => byMech.has(m.name)).map((m) => ({ mechanism: m, iterations: byMech.get(m.name)!.iterations }));
  }

  /** Every user with a credential. */
  scramUsers(): string[] {
    return [...this.scram.keys()].sort();
  }

  /** Writes upserts and deletions as one batch; applied once the append is acknowledged. */
  async alterCredentials(upserts: readonly ScramUpsert[], deletions: readonly ScramDeletion[]): Promise<void> {
    const records: InternalRecord[] = [
      ...deletions.map((d) => ({ key: ['scram', d.user, d.mechanism.name], value: null })),
      ...upserts.map((u) => ({
        key: ['scram', u.user, u.mechanism.name],
        value: {
          v: 1,
          salt: u.credential.salt.toString('base64'),
          storedKey: u.credential.storedKey.toString('base64'),
          serverKey: u.credential.serverKey.toString('base64'),
          iterations: u.credential.iterations,
        },
      })),
    ];
    await this.topic.append(records);
    for (const d of deletions) this.removeCredential(d.user, d.mechanism.name);
    for (const u of upserts) this.setCredential(u.user, u.mechanism.name, u.credential);
  }

  // --- Client quotas ---------------------------------------------------------------------

  /** Applies value changes (null removes) to entities, durably, as one batch. */
  async alterQuotas(changes: ReadonlyArray<{ entity: QuotaEntity; values: ReadonlyArray<{ key: QuotaKey; value: number | null }> }>): Promise<void> {
    const after = new Map<string, { entity: QuotaEntity; values: Map<QuotaKey, number> }>();
    for (const c of changes) {
      const k = quotaEntityKey(c.entity);
      let e = after.get(k);
      if (e === undefined) after.set(k, (e = { entity: c.entity, values: new Map(this.quotas.entity(k)?.values ?? []) }));
      for (const v of c.values) {
        if (v.value === null) e.values.delete(v.key);
        else e.values.set(v.key, v.value);
      }
    }
    const records: InternalRecord[] = [...after.values()].map((e) => ({
      key: ['quota', ...entityKeyParts(e.entity)],
      value: e.values.size === 0 ? null : { v: 1, values: Object.fromEntries(e.values) },
    }));
    await this.topic.append(records);
    for (const e of after.values()) {
      for (const k of QUOTA_KEYS) this.quotas.set(e.entity, k, e.values.get(k) ?? null);
    }
  }

  // --- Dynamic broker configs ------------------------------------------------------------

  /** The dynamic configs of a level ("" for the cluster default, or the node id). */
  brokerConfigs(resource: string): Readonly<Record<string, string>> {
    return this.brokerConfigSets.get(resource) ?? {};
  }

  /** Replaces a level's dynamic configs, durably (an empty set is a tombstone). */
  async storeBrokerConfigs(resource: string, configs: Readonly<Record<string, string>>): Promise<void> {
    const empty = Object.keys(configs).length === 0;
    await this.topic.append([{ key: ['broker-config', resource], value: empty ? null : { v: 1, configs: { ...configs } } }]);
    if (empty) this.brokerConfigSets.delete(resource);
    else this.brokerConfigSets.set(resource, { ...configs });
  }

  // --- ACLs ------------------------------------------------------------------------------

  aclBindings(): AclBinding[] {
    return [...this.acls.values()];
  }

  hasAcl(b: AclBinding): boolean {
    return this.acls.has(aclKey(b));
  }

  /** Called with every binding after each change (and once now). */
  onAclsChanged(fn: (acls: Iterable<AclBinding>) => void): void {
    this.aclListeners.push(fn);
    fn(this.acls.values());
  }

  async addAcls(bindings: readonly AclBinding[]): Promise<void> {
    const fresh = bindings.filter((b) => !this.acls.has(aclKey(b)));
    if (fresh.length > 0) await this.topic.append(fresh.map((b) => ({ key: aclRecordKey(b), value: { v: 1 } })));
    for (const b of fresh) this.acls.set(aclKey(b), b);
    this.aclsChanged();
  }

  async removeAcls(bindings: readonly AclBinding[]): Promise<void> {
    if (bindings.length > 0) await this.topic.append(bindings.map((b) => ({ key: aclRecordKey(b), value: null })));
    for (const b of bindings) this.acls.delete(aclKey(b));
    this.aclsChanged();
  }

  private aclsChanged(): void {
    for (const fn of this.aclListeners) fn(this.acls.values());
  }
}

