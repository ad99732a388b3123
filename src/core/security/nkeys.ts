// NATS nkeys, the server's side: a public key is base32 (RFC 4648, no padding) of a prefix byte
// naming its role (U user, A account, O operator, N server, ...), the 32-byte Ed25519 key and a
// CRC-16 (XMODEM, little-endian) of both; the server decodes it, checks the role and checksum,
// and verifies Ed25519 signatures with it (a client signing the nonce of INFO, an account signing
// a user JWT). Seeds (private keys) never reach the server.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export type NkeyRole = 'user' | 'account' | 'operator' | 'server' | 'cluster';

const ROLE_PREFIX: Readonly<Record<NkeyRole, number>> = { operator: 14 << 3, server: 13 << 3, cluster: 2 << 3, account: 0, user: 20 << 3 };
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32Decode(text: string): Buffer | null {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

const cache = new Map<string, KeyObject>();
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** The Ed25519 key of a public nkey of `role`, or null when it is not one (wrong role, length or checksum). */
export function publicKeyOf(nkey: string, role: NkeyRole): KeyObject | null {
  const cached = cache.get(nkey);
  if (cached !== undefined) return nkey.charCodeAt(0) === ALPHABET.charCodeAt(ROLE_PREFIX[role] >> 3) ? cached : null;
  if (nkey.length !== 56) return null;
  const raw = base32Decode(nkey);
  if (raw === null || raw.length !== 35 || raw[0] !== ROLE_PREFIX[role]) return null;
  const sum = raw.readUInt16LE(33);
  if (crc16(raw.subarray(0, 33)) !== sum) return null;
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw.subarray(1, 33)]), format: 'der', type: 'spki' });
  if (cache.size > 10_000) cache.clear();
  cache.set(nkey, key);
  return key;
}

/** Whether `nkey` (of `role`) signed `data` with `signature`. */
export function verifyNkeySignature(nkey: string, role: NkeyRole, data: Buffer, signature: Buffer): boolean {
  const key = publicKeyOf(nkey, role);
  if (key === null || signature.length !== 64) return false;
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** A signature as clients send it: base64url without padding (nats-server also takes standard base64). */
export function decodeSignature(sig: string): Buffer | null {
  if (/^[A-Za-z0-9_-]+$/.test(sig)) return Buffer.from(sig, 'base64url');
  if (/^[A-Za-z0-9+/]+=*$/.test(sig)) return Buffer.from(sig, 'base64');
  return null;
}
