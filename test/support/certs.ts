// Test certificates made with the openssl command: a CA, a server certificate for localhost and
// 127.0.0.1 signed by it, client certificates with chosen subjects, a PKCS12 keystore of the
// server, and a certificate from another CA (not trusted) for refusal tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Key and chain in one PEM file (Kafka's PEM keystore). */
  readonly serverPem: string;
  /** PKCS12 keystore of the server, password `PKCS12_PASSWORD`. */
  readonly serverP12: string;
  /** Issues a client certificate with this subject (openssl form, "/CN=alice/O=Acme"); returns [cert, key]. */
  client(subject: string, name: string): [string, string];
  /** A client certificate from a CA the server does not trust: [cert, key]. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  remove(): void;
}

export const PKCS12_PASSWORD = 'keystore-pw';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, ca: [string, string], ext?: string): [string, string] {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  const args = ['x509', '-req', '-in', csr, '-CA', ca[0], '-CAkey', ca[1], '-CAcreateserial', '-out', cert, '-days', '2', '-sha256'];
  if (ext !== undefined) {
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, ext);
    args.push('-extfile', extFile);
  }
  openssl(args, dir);
  return [cert, key];
}

function makeCa(dir: string, name: string): [string, string] {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], dir);
  return [cert, key];
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-certs-'));
  const ca = makeCa(dir, 'Wharf Test CA');
  const [serverCert, serverKey] = issue(dir, 'server', '/CN=localhost', ca, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const serverPem = join(dir, 'server-keystore.pem');
  execFileSync('sh', ['-c', `cat "${serverKey}" "${serverCert}" > "${serverPem}"`]);
  const serverP12 = join(dir, 'server.p12');
  openssl(['pkcs12', '-export', '-in', serverCert, '-inkey', serverKey, '-out', serverP12, '-passout', `pass:${PKCS12_PASSWORD}`], dir);
  const stranger = makeCa(dir, 'Stranger CA');
  const [strangerCert, strangerKey] = issue(dir, 'stranger', '/CN=mallory', stranger, 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: ca[0],
    serverCert,
    serverKey,
    serverPem,
    serverP12,
    client: (subject, name) => issue(dir, name, subject, ca, 'extendedKeyUsage=clientAuth\n'),
    strangerCert,
    strangerKey,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
