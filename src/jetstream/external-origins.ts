// The origin of a mirror or source with an `external` stream (docs/jetstream.md 1.12): its API
// prefix names where the mirroring account sends the origin's consumer requests. nats-server
// creates a consumer there (`<api>.CONSUMER.CREATE.<stream>...`) that delivers to
// `<deliver>.<token>`; across accounts that works when the account imports the other's
// $JS.API.CONSUMER subjects as a service (under the prefix) and the delivery subjects as a
// stream. Wharf reads the origin directly, as it does for a stream of the same account, once the
// account's imports say the same: the consumer-create subject under the prefix, followed through
// the service imports (core/routing/accounts.ts resolveService), arrives on an account's own
// JetStream API ($JS.API, or $JS.<domain>.API of this server's domain), and, for another
// account, the deliver prefix is set and a stream import carries it from that account unchanged.
// Otherwise there is no origin, and the source waits as nats-server's retries its consumer.
import type { Stream } from '../core/streams/stream-view.js';
import type { ExternalStream } from '../core/streams/types.js';

/** What the resolver needs of the accounts' routing (core/routing/accounts.ts Accounts). */
export interface AccountRouting {
  resolveService(account: string, subject: string): { account: string; subject: string };
  streamReaches(from: string, subject: string, to: string): boolean;
}

export interface ExternalOriginsDeps {
  routing: AccountRouting;
  /** This server's JetStream domain, if any. */
  domain: string | undefined;
  /** An account's stream by name (undefined: no such stream, or the account has no JetStream). */
  stream(account: string, name: string): Stream | undefined;
}

/** The origin resolver of one account's registry. */
export function externalOrigins(account: string, deps: ExternalOriginsDeps): (name: string, external: ExternalStream) => Stream | undefined {
  const own = new Set(['$JS.API', ...(deps.domain !== undefined && deps.domain !== '' ? [`$JS.${deps.domain}.API`] : [])]);
  return (name, external) => {
    const api = external.api.endsWith('.') ? external.api.slice(0, -1) : external.api;
    if (api === '') return undefined;
    const tail = `.CONSUMER.CREATE.${name}`;
    const at = deps.routing.resolveService(account, `${api}${tail}`);
    if (!at.subject.endsWith(tail) || !own.has(at.subject.slice(0, -tail.length))) return undefined;
    if (at.account !== account) {
      const deliver = external.deliver.endsWith('.') ? external.deliver.slice(0, -1) : external.deliver;
      if (deliver === '' || !deps.routing.streamReaches(at.account, `${deliver}.M`, account)) return undefined;
    }
    return deps.stream(at.account, name);
  };
}
