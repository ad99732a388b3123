// TLS material of a listener, read from the files an operator names (a PEM certificate chain and
// key, or a PKCS12 keystore; PEM CA certificates for client verification), as secure context
// options that can be re-read at run time: reload() reads the same files, checks that they make a
// usable context and, only then, the listener's new handshakes use them, while established connections keep theirs
// (certificate rotation on SIGHUP without dropping anyone). Both front-ends and the monitor use it.
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsVersion } from '../../config.js';

export interface TlsFiles {
  /** PEM certificate chain (or a PEM file holding key and chain, as Kafka's PEM keystore). */
  readonly certFile?: string;
  /** PEM private key; absent when certFile holds the key too. */
  readonly keyFile?: string;
  /** Inline PEM holding key and chain. */
  readonly pem?: string;
  /** PKCS12 keystore. */
  readonly pfxFile?: string;
  /** Password of the PKCS12 keystore or of an encrypted PEM key. */
  readonly passphrase?: string;
  /** PEM CA certificates that client certificates are verified against. */
  readonly caFile?: string;
  readonly caPem?: string;
  readonly minVersion: TlsVersion;
}

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Node's secure context options for the files (read now). */
export function secureContextOptions(files: TlsFiles): SecureContextOptions {
  const o: SecureContextOptions = { minVersion: files.minVersion };
  if (files.pfxFile !== undefined) {
    o.pfx = read(files.pfxFile, 'PKCS12 keystore');
  } else {
    const certText = files.pem !== undefined ? Buffer.from(files.pem) : files.certFile !== undefined ? read(files.certFile, 'certificate') : undefined;
    if (certText === undefined) throw new TlsConfigError('TLS needs a certificate and a key');
    o.cert = certText;
    o.key = files.keyFile !== undefined ? read(files.keyFile, 'private key') : certText;
  }
  if (files.passphrase !== undefined) o.passphrase = files.passphrase;
  if (files.caPem !== undefined) o.ca = files.caPem;
  else if (files.caFile !== undefined) o.ca = read(files.caFile, 'CA certificates');
  return o;
}

function build(files: TlsFiles): { options: SecureContextOptions; context: SecureContext } {
  try {
    const options = secureContextOptions(files);
    return { options, context: createSecureContext(options) };
  } catch (e) {
    if (e instanceof TlsConfigError) throw e;
    throw new TlsConfigError(`the TLS certificate or key is not usable: ${(e as Error).message}`);
  }
}

/** A listener's secure context, replaceable by reload(). */
export class ReloadableTls {
  private current: { options: SecureContextOptions; context: SecureContext };
  private readonly listeners = new Set<(o: SecureContextOptions) => void>();

  constructor(readonly files: TlsFiles) {
    this.current = build(files);
  }

  /** The options of that context (tls.createServer, setSecureContext). */
  get options(): SecureContextOptions {
    return this.current.options;
  }

  /** Whether client certificates are verified against configured CAs. */
  get hasCa(): boolean {
    return this.files.caFile !== undefined || this.files.caPem !== undefined;
  }

  /** Calls `f` with the options of every new context (a tls.Server's setSecureContext). */
  onReload(f: (o: SecureContextOptions) => void): void {
    this.listeners.add(f);
  }

  /** Re-reads the files; throws TlsConfigError and keeps the old context when they are not usable. */
  reload(): void {
    const next = build(this.files);
    this.current = next;
    for (const f of this.listeners) f(next.options);
  }
}
