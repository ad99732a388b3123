// The Kafka ACL principal of an identity that was not proven on a Kafka connection: a NATS
// user (the web console's NATS logins), or a SASL user whose password was checked directly.
// Kafka's ACLs name principals as "User:<name>", so the rule is one name space: a NATS user
// `alice` (user/password, or named by its certificate) is User:alice, the same principal as a
// SASL user `alice`; an nkey or JWT user is User:<its public key>; the holder of the NATS token
// (a secret shared by every such client, naming no one) is User:nats-token; a client without
// credentials is User:ANONYMOUS, the principal Kafka gives an unauthenticated connection (a
// token holder is not: super.users=User:ANONYMOUS, which makes a loopback Kafka listener an
// administration port, must not make every NATS client a super user). With ACLs off the
// authorizer allows everything whatever the principal is.
import { ANONYMOUS_PRINCIPAL, type AclPrincipal } from './authorizer.js';
import type { Principal } from './principal.js';

/** The principal of the NATS token's holders. */
export const NATS_TOKEN_PRINCIPAL: AclPrincipal = Object.freeze({ type: 'User', name: 'nats-token' });

/** The ACL principal of a NATS principal (see the header for the rule). */
export function aclPrincipalOfNats(p: Principal): AclPrincipal {
  if ((p.kind === 'user' || p.kind === 'nkey' || p.kind === 'jwt') && p.name !== '') return Object.freeze({ type: 'User', name: p.name });
  if (p.kind === 'token') return NATS_TOKEN_PRINCIPAL;
  return ANONYMOUS_PRINCIPAL;
}

/** The ACL principal of a SASL user (PLAIN, SCRAM, the `sub` of an OAUTHBEARER token), as Kafka's default principal builder names it. */
export function aclPrincipalOfSasl(user: string): AclPrincipal {
  return Object.freeze({ type: 'User', name: user });
}

/** "User:alice", as ACLs and super.users write a principal. */
export function principalText(p: AclPrincipal): string {
  return `${p.type}:${p.name}`;
}
