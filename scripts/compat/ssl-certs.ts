// The TLS files a suite's SSL tests expect, made with openssl for one run: a CA, a broker key
// pair for 127.0.0.1/localhost (Wharf's PEM keystore: key and chain in one file), and a client
// key pair in every encoding trivup (librdkafka's test cluster tool) gives its tests through
// SSL_* variables: SSL_pkcs (PKCS12 with key, certificate and CA), SSL_pub_pem/_der (the client
// certificate), SSL_priv_pem/_der (its key, encrypted with SSL_password), SSL_ca_pem/_der and
// SSL_all_cas_pem (the CA with a second, unrelated CA, as trivup's file holds several).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SslFiles {
  caPem: string;
  brokerKeystorePem: string;
  clientCertPem: string;
  clientKeyPem: string;
  password: string;
  /** trivup's SSL_* variables. */
  env: Record<string, string>;
}

export function makeSslFiles(dir: string): SslFiles {
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const password = 'wharf-compat-pass';
  const ca = (name: string) => ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.pem`)]);
  ca('ca');
  ca('other-ca');
  const signed = (name: string, subject: string, ext: string) => {
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), ext);
    ssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  };
  signed('broker', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed('client', '/CN=client/O=Wharf compat', 'extendedKeyUsage=clientAuth\n');
  writeFileSync(f('broker-keystore.pem'), readFileSync(f('broker-key.pem'), 'utf8') + readFileSync(f('broker.pem'), 'utf8') + readFileSync(f('ca.pem'), 'utf8'));
  // The client's key encrypted with the password, in PEM (PKCS#8) and DER.
  ssl(['pkcs8', '-topk8', '-in', f('client-key.pem'), '-v2', 'aes-256-cbc', '-passout', `pass:${password}`, '-out', f('client-key-enc.pem')]);
  ssl(['pkcs8', '-topk8', '-in', f('client-key.pem'), '-v2', 'aes-256-cbc', '-passout', `pass:${password}`, '-outform', 'DER', '-out', f('client-key-enc.der')]);
  ssl(['x509', '-in', f('client.pem'), '-outform', 'DER', '-out', f('client.der')]);
  ssl(['x509', '-in', f('ca.pem'), '-outform', 'DER', '-out', f('ca.der')]);
  ssl(['pkcs12', '-export', '-inkey', f('client-key.pem'), '-in', f('client.pem'), '-certfile', f('ca.pem'), '-passout', `pass:${password}`, '-out', f('client.p12')]);
  writeFileSync(f('all-cas.pem'), readFileSync(f('other-ca.pem'), 'utf8') + readFileSync(f('ca.pem'), 'utf8'));
  return {
    caPem: f('ca.pem'),
    brokerKeystorePem: f('broker-keystore.pem'),
    clientCertPem: f('client.pem'),
    clientKeyPem: f('client-key-enc.pem'),
    password,
    env: {
      SSL_pkcs: f('client.p12'),
      SSL_pub_pem: f('client.pem'),
      SSL_pub_der: f('client.der'),
      SSL_priv_pem: f('client-key-enc.pem'),
      SSL_priv_der: f('client-key-enc.der'),
      SSL_ca_pem: f('ca.pem'),
      SSL_ca_der: f('ca.der'),
      SSL_all_cas_pem: f('all-cas.pem'),
      SSL_password: password,
    },
  };
}
