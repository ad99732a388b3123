// The Java clients of Apache Kafka 4.4 for tests: whether they can run here, their classpath,
// and compiling a test application against them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findPeer, isCI, peerSkip } from '../../support/peers.js';
import { repoRoot } from '../../support/wharf.js';

function hasJavac(): boolean {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A skip reason when the Kafka 4.4 install or javac is missing; under CI a missing javac fails. */
export function javaSkip(): string | false {
  const peer = peerSkip('kafka');
  if (peer) return peer;
  if (hasJavac()) return false;
  if (isCI()) throw new Error('javac not found (CI is set, so this is a failure, not a skip)');
  return 'javac not found';
}

/** The Kafka 4.4 client classpath: $WHARF_KAFKA_CLASSPATH, the install's classpath.txt, or its libs. */
export function kafkaClasspath(): string {
  if (process.env.WHARF_KAFKA_CLASSPATH) return process.env.WHARF_KAFKA_CLASSPATH;
  const home = dirname(dirname(findPeer('kafka')!));
  const txt = join(home, 'classpath.txt');
  if (existsSync(txt)) return readFileSync(txt, 'utf8').trim();
  const libs = join(home, 'libs');
  return readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(libs, f))
    .join(':');
}

/**
 * Compiles test/kafka/java/<name>.java into a temporary directory (`classes`, for the caller
 * to remove) and returns the classpath to run it with.
 */
export function compileJavaApp(name: string, classpath = kafkaClasspath()): { classpath: string; classes: string } {
  const classes = mkdtempSync(join(tmpdir(), 'wharf-java-'));
  execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', classes, join(repoRoot(), 'test', 'kafka', 'java', `${name}.java`)], { stdio: 'pipe' });
  return { classpath: `${classpath}:${classes}`, classes };
}
