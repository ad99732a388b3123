// Locating the reference peers installed by scripts/peers/install-all.sh.
//
// A peer is looked up, in order, from its environment variable (set by scripts/peers/env.sh),
// from $WHARF_PEERS_DIR/bin, from the default cache ~/.cache/wharf-peers/bin, then from PATH.
// In CI (the CI variable is set) a missing peer fails the test loudly; on a developer's machine
// a suite may choose to skip with peerSkip(), which names the install command.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export type PeerName = 'nats-server' | 'nats';

const PEER_ENV: Record<PeerName, string> = {
  'nats-server': 'WHARF_NATS_SERVER_BIN',
  nats: 'WHARF_NATS_CLI_BIN',
};

const INSTALL_HINT = 'run `bash scripts/peers/install-all.sh` (then `. scripts/peers/env.sh`)';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function peersDir(): string {
  return process.env.WHARF_PEERS_DIR ?? join(homedir(), '.cache', 'wharf-peers');
}

/** Path of an installed peer binary, or undefined. */
export function findPeer(name: PeerName): string | undefined {
  const fromEnv = process.env[PEER_ENV[name]];
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  const candidates = [join(peersDir(), 'bin', name), join(homedir(), '.cache', 'wharf-peers', 'bin', name)];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, name));
  return candidates.find(isExecutable);
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function missingMessage(name: PeerName): string {
  const env = PEER_ENV[name];
  const where = process.env[env] ? `${env}=${process.env[env]} is not executable` : `not found in $${env}, ${join(peersDir(), 'bin')} or PATH`;
  return `reference peer "${name}" is missing (${where}): ${INSTALL_HINT}`;
}

/** Path of the peer; throws (the test fails) when it is missing. */
export function requirePeer(name: PeerName): string {
  const path = findPeer(name);
  if (!path) throw new Error(missingMessage(name));
  return path;
}

/**
 * For `describe(..., { skip: peerSkip('nats-server') }, ...)`: false when the peer is there.
 * When it is missing: throws in CI (the whole file fails, loudly), otherwise returns the
 * reason to skip, which names the install command.
 */
export function peerSkip(...names: PeerName[]): string | false {
  for (const name of names) {
    if (findPeer(name)) continue;
    if (isCI()) throw new Error(`${missingMessage(name)} (CI is set, so this is a failure, not a skip)`);
    return missingMessage(name);
  }
  return false;
}
