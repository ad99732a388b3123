// Locating the reference peers installed by scripts/peers/install-all.sh.
//
// A peer is looked up, in order, from its environment variable (set by scripts/peers/env.sh),
// from $WHARF_PEERS_DIR/bin, from the default cache ~/.cache/wharf-peers/bin, then from PATH.
// In CI (the CI variable is set) a missing peer fails the test loudly; on a developer's machine
// a suite may choose to skip with peerSkip(), which names the install command.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * nats-server, nats: binaries. kafka: the start script of the reference Kafka 4.4.0
 * (`start-kafka.sh DATA_DIR` prints the bootstrap address; see scripts/peers/kafka/).
 * kcat: the kcat binary. python-confluent-kafka: a python with confluent_kafka importable.
 */
export type PeerName = 'nats-server' | 'nats' | 'kafka' | 'kcat' | 'python-confluent-kafka';

const PEER_ENV: Record<PeerName, string> = {
  'nats-server': 'WHARF_NATS_SERVER_BIN',
  nats: 'WHARF_NATS_CLI_BIN',
  kafka: 'WHARF_KAFKA_START',
  kcat: 'WHARF_KCAT_BIN',
  'python-confluent-kafka': 'WHARF_PYTHON_BIN',
};

/** Where a peer lives inside a cache directory, and whether to look on PATH. */
const PEER_PATH: Record<PeerName, { rel: string[]; onPath?: string }> = {
  'nats-server': { rel: ['bin', 'nats-server'], onPath: 'nats-server' },
  nats: { rel: ['bin', 'nats'], onPath: 'nats' },
  kafka: { rel: ['kafka', 'bin', 'start-kafka.sh'] },
  kcat: { rel: ['bin', 'kcat'], onPath: 'kcat' },
  'python-confluent-kafka': { rel: ['venv', 'bin', 'python'] },
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
  const { rel, onPath } = PEER_PATH[name];
  const candidates = [join(peersDir(), ...rel), join(homedir(), '.cache', 'wharf-peers', ...rel)];
  if (onPath) for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, onPath));
  return candidates.find(isExecutable);
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function missingMessage(name: PeerName): string {
  const env = PEER_ENV[name];
  const where = process.env[env] ? `${env}=${process.env[env]} is not executable` : `not found in $${env}, ${join(peersDir(), ...PEER_PATH[name].rel)}${PEER_PATH[name].onPath ? ' or PATH' : ''}`;
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
