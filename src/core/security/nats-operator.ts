// NATS operator (JWT) mode with the memory resolver, as nats-server serves it: the configured
// operator JWTs are trusted (their identity keys and signing keys may sign accounts), each
// preloaded account JWT must be signed by one of them, for the account key it is preloaded
// under, and be valid now; each account becomes an account of the broker (named by its public
// key) with its exports, imports, default permissions and limits. A user JWT is then accepted
// when an account (or one of its signing keys, naming the account as issuer_account) signed it,
// it is valid now and not revoked; its permissions are its own, or the account's defaults.
import { GLOBAL_ACCOUNT, type Permissions } from './principal.js';
import type { NatsAccount, NatsOperatorConfig } from './nats-users.js';
import {
  NatsJwtError,
  accountLimits,
  decodeNatsJwt,
  exportsOf,
  importsOf,
  outsideValidity,
  permissionsOf,
  revoked,
  signingKeys,
  type AccountLimits,
  type NatsJwt,
  jetStreamLimitsOf,
} from './nats-jwt.js';

/** The JetStream fields of an account from its JWT: none when the JWT does not enable JetStream. */
function jetStreamOf(jwt: NatsJwt): Pick<NatsAccount, 'jetstream' | 'jetstreamLimits'> {
  const l = jetStreamLimitsOf(jwt);
  return l === null ? {} : { jetstream: true, jetstreamLimits: l };
}

interface TrustedAccount {
  readonly jwt: NatsJwt;
  readonly signingKeys: ReadonlySet<string>;
  readonly defaultPermissions: Permissions | undefined;
  readonly limits: AccountLimits;
}

/** A user JWT accepted: who, in which account, with what, until when. */
export interface JwtUser {
  readonly user: string;
  readonly name: string;
  readonly account: string;
  readonly permissions: Permissions | undefined;
  /** ms since the epoch; 0: never (the earlier of the user's and the account's expiry). */
  readonly expiresAt: number;
  /** The user signs the nonce, unless its JWT is a bearer token. */
  readonly bearer: boolean;
  readonly accountLimits: AccountLimits;
  /** The user's own limits; -1: unlimited. */
  readonly subscriptions: number;
  readonly payload: number;
}

export class OperatorTrust {
  private readonly accountsByKey = new Map<string, TrustedAccount>();
  readonly systemAccount: string | undefined;

  /** Verifies the operators and the preloaded accounts; throws a NatsJwtError naming what is wrong. */
  constructor(config: NatsOperatorConfig, now = Date.now()) {
    const trusted = new Set<string>();
    let system: string | undefined = config.systemAccount;
    for (const token of config.operators) {
      const op = decodeNatsJwt(token, 'operator');
      if (op.iss !== op.sub) throw new NatsJwtError(`operator ${op.sub}: an operator JWT is signed by the operator itself`);
      if (outsideValidity(op, now)) throw new NatsJwtError(`operator ${op.name || op.sub}: the JWT has expired or is not valid yet`);
      trusted.add(op.sub);
      for (const k of signingKeys(op)) trusted.add(k);
      const sys = op.nats.system_account;
      if (system === undefined && typeof sys === 'string' && sys.length > 0) system = sys;
    }
    this.systemAccount = system;
    for (const [key, token] of Object.entries(config.resolverPreload)) {
      const acc = decodeNatsJwt(token, 'account');
      if (acc.sub !== key) throw new NatsJwtError(`resolver_preload.${key}: the JWT is account ${acc.sub}'s`);
      if (!trusted.has(acc.iss)) throw new NatsJwtError(`resolver_preload.${key}: the account JWT is not signed by a trusted operator`);
      if (outsideValidity(acc, now)) throw new NatsJwtError(`resolver_preload.${key}: the account JWT has expired or is not valid yet`);
      const defaults = permissionsOf(typeof acc.nats.default_permissions === 'object' && acc.nats.default_permissions !== null ? (acc.nats.default_permissions as Record<string, unknown>) : {});
      this.accountsByKey.set(key, { jwt: acc, signingKeys: new Set(signingKeys(acc)), defaultPermissions: defaults, limits: accountLimits(acc) });
    }
  }

  /** The accounts as the broker's accounts configuration (exports, imports, default permissions). */
  accounts(): Record<string, NatsAccount> {
    const out: Record<string, NatsAccount> = {};
    for (const [key, a] of this.accountsByKey) {
      if (key === GLOBAL_ACCOUNT) continue;
      out[key] = {
        exports: exportsOf(a.jwt),
        imports: importsOf(a.jwt),
        ...(a.defaultPermissions !== undefined ? { defaultPermissions: a.defaultPermissions } : {}),
        ...jetStreamOf(a.jwt),
      };
    }
    return out;
  }

  /** The user a user JWT proves, or a message saying why it is not accepted. */
  user(token: string, now = Date.now()): JwtUser | string {
    let u: NatsJwt;
    try {
      u = decodeNatsJwt(token, 'user');
    } catch (e) {
      if (e instanceof NatsJwtError) return e.message;
      throw e;
    }
    const issuerAccount = typeof u.nats.issuer_account === 'string' && u.nats.issuer_account.length > 0 ? u.nats.issuer_account : u.iss;
    const account = this.accountsByKey.get(issuerAccount);
    if (account === undefined) return `account ${issuerAccount} is not known`;
    if (u.iss !== issuerAccount && !account.signingKeys.has(u.iss)) return `the user JWT is signed by ${u.iss}, not by account ${issuerAccount} or one of its signing keys`;
    if (outsideValidity(u, now)) return 'the user JWT has expired or is not valid yet';
    if (outsideValidity(account.jwt, now)) return 'the account JWT has expired';
    if (revoked(account.jwt, u)) return 'the user JWT has been revoked';
    const own = permissionsOf(u.nats);
    const expiries = [u.exp, account.jwt.exp].filter((e) => e > 0);
    const limit = (v: unknown): number => (typeof v === 'number' ? v : -1);
    return {
      user: u.sub,
      name: u.name,
      account: issuerAccount,
      permissions: own ?? account.defaultPermissions,
      expiresAt: expiries.length > 0 ? Math.min(...expiries) * 1000 : 0,
      bearer: u.nats.bearer_token === true,
      accountLimits: account.limits,
      subscriptions: limit(u.nats.subs),
      payload: limit(u.nats.payload),
    };
  }
}
