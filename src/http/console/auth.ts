// Who uses the console. Every API request passes the authenticate step before a handler runs:
// it names the user (from the session cookie of the login form, or an Authorization header:
// basic auth or a bearer token) and its Kafka ACL principal, or answers null for a 401. What
// the user may then do is not decided here: the handlers ask the broker's authorizer, per
// resource and operation, as the Kafka handlers do (access.ts). The authenticator of the broker
// is login.ts; tests plug in their own.
import type { IncomingMessage } from 'node:http';
import { ANONYMOUS_PRINCIPAL, type AclPrincipal } from '../../core/security/authorizer.js';
import { GLOBAL_ACCOUNT } from '../../core/security/principal.js';

/** How the user proved who it is. */
export type ConsoleUserSource = 'anonymous' | 'nats' | 'kafka-plain' | 'kafka-scram';

/** Who uses the console; `name` is shown in the app's header. */
export interface ConsoleUser {
  readonly name: string;
  /** The principal the authorizer decides for (User:<name>; User:ANONYMOUS without a login). */
  readonly principal: AclPrincipal;
  /** The NATS account of a NATS user (what the NATS pages show); null for a Kafka-only user. */
  readonly account: string | null;
  readonly source: ConsoleUserSource;
}

export type ConsoleAuthenticator = (req: IncomingMessage) => ConsoleUser | null | Promise<ConsoleUser | null>;

/** The user of a console without a login: the principal of an unauthenticated Kafka client, in the global NATS account. */
export const ANONYMOUS_USER: ConsoleUser = Object.freeze({ name: 'anonymous', principal: ANONYMOUS_PRINCIPAL, account: GLOBAL_ACCOUNT, source: 'anonymous' });

/** No login configured: everyone is the anonymous user (whose rights the authorizer still decides). */
export const anonymousConsole: ConsoleAuthenticator = () => ANONYMOUS_USER;
