// Java Kafka Streams 4.3.1 for the byte-compatibility test: resolves kafka-streams and
// kafka-streams-test-utils 4.3.1 with Maven (from Maven Central, once, into the peers cache) and
// compiles test/streams/java/<name>.java against them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peersDir } from '../../support/peers.js';
import { repoRoot } from '../../support/wharf.js';

export const STREAMS_VERSION = '4.3.1';

/** The classpath of Kafka Streams 4.3.1 (and its test utils), resolved on first use. */
export function streamsClasspath(): string {
  const dir = join(peersDir(), `kafka-streams-${STREAMS_VERSION}`);
  const libs = join(dir, 'libs');
  if (!existsSync(join(dir, '.installed'))) {
    const tmp = mkdtempSync(join(tmpdir(), 'wharf-ks-'));
    try {
      writeFileSync(
        join(tmp, 'pom.xml'),
        `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>wharf.peers</groupId><artifactId>kafka-streams-reference</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-streams</artifactId><version>${STREAMS_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-streams-test-utils</artifactId><version>${STREAMS_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`,
      );
      execFileSync('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(tmp, 'pom.xml'), 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies', `-DoutputDirectory=${join(tmp, 'libs')}`, '-DincludeScope=runtime'], { stdio: 'pipe', timeout: 300_000 });
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      renameSync(join(tmp, 'libs'), libs);
      writeFileSync(join(dir, '.installed'), STREAMS_VERSION);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(libs, f))
    .join(':');
}

export function compileStreamsApp(name: string): { classpath: string; classes: string } {
  const cp = streamsClasspath();
  const classes = mkdtempSync(join(tmpdir(), 'wharf-ks-java-'));
  execFileSync('javac', ['-nowarn', '-cp', cp, '-d', classes, join(repoRoot(), 'test', 'streams', 'java', `${name}.java`)], { stdio: 'pipe' });
  return { classpath: `${cp}:${classes}`, classes };
}
