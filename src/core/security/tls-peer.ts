// What a TLS client's verified certificate says about it, in the forms the front-ends match
// users and principals against: the subject as an RFC 2253 distinguished name (most specific
// attribute first, as Java and Go print it) and the subject alternative names (e-mail addresses,
// DNS names, URIs), which nats-server's verify_and_map looks users up by.
import type { X509Certificate } from 'node:crypto';
import { rfc2253 } from './ssl-principal.js';

export interface TlsPeer {
  /** The certificate's subject, RFC 2253 ("CN=alice,O=Acme"). */
  readonly subject: string;
  readonly emails: readonly string[];
  readonly dnsNames: readonly string[];
  readonly uris: readonly string[];
}

/** The identities of a certificate. */
export function tlsPeerOf(cert: X509Certificate): TlsPeer {
  const emails: string[] = [];
  const dnsNames: string[] = [];
  const uris: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const type = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (type === 'email') emails.push(value);
    else if (type === 'DNS') dnsNames.push(value);
    else if (type === 'URI') uris.push(value);
  }
  return { subject: rfc2253(cert.subject), emails, dnsNames, uris };
}
