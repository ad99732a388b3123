// Apache Kafka 4.4's own command-line tools (from the reference peer installation), for the
// runners of suites that need a Wharf configured as an operator configures Kafka: SCRAM users
// created with kafka-configs.sh (ConfigCommand, AlterUserScramCredentials over the wire) and a
// KAFKA_PATH directory whose bin/ holds kafka-topics.sh and kafka-acls.sh for librdkafka's tests.
// Going through Kafka's tools rather than Wharf's own code keeps the setup honest: what the suite
// finds configured is what a Kafka operator's commands produced.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type Context } from './lib.js';

/** The reference installation's class runner, or undefined when Kafka is not installed. */
export function kafkaRunClass(ctx: Context): string | undefined {
  const runClass = join(ctx.peersDir, 'kafka', 'bin', 'kafka-run-class.sh');
  return existsSync(runClass) ? runClass : undefined;
}

/**
 * Creates (or replaces) a SCRAM credential with `kafka-configs.sh --alter --add-config
 * 'SCRAM-SHA-256=[password=…]' --entity-type users --entity-name <user>` over `bootstrap`
 * (a listener that needs no SASL). Throws with the tool's output when it fails.
 */
export async function createScramUser(ctx: Context, bootstrap: string, user: string, password: string, mechanisms: readonly ('SCRAM-SHA-256' | 'SCRAM-SHA-512')[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512']): Promise<void> {
  const runClass = kafkaRunClass(ctx);
  if (!runClass) throw new Error('the reference Kafka is not installed (scripts/peers/install-all.sh): kafka-configs.sh is needed to create SCRAM users');
  const config = mechanisms.map((m) => `${m}=[iterations=4096,password=${password}]`).join(',');
  const r = await run(runClass, ['org.apache.kafka.tools.ConfigCommand', '--bootstrap-server', bootstrap, '--alter', '--add-config', config, '--entity-type', 'users', '--entity-name', user], { timeoutMs: 120_000, env: process.env });
  if (r.code !== 0) throw new Error(`kafka-configs.sh --alter --entity-type users --entity-name ${user} failed (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
}

/**
 * A KAFKA_PATH directory for librdkafka's tests (test_kafka_cmd runs `$KAFKA_PATH/bin/<tool>`):
 * kafka-topics.sh (TopicCommand) and kafka-acls.sh (AclCommand) of the reference Kafka 4.4.
 * Undefined when Kafka is not installed.
 */
export function kafkaPathDir(ctx: Context, name: string): string | undefined {
  const runClass = kafkaRunClass(ctx);
  if (!runClass) return undefined;
  const dir = join(ctx.work, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const tools: Record<string, string> = { 'kafka-topics.sh': 'org.apache.kafka.tools.TopicCommand', 'kafka-acls.sh': 'org.apache.kafka.tools.AclCommand' };
  for (const [file, cls] of Object.entries(tools)) {
    writeFileSync(join(dir, 'bin', file), `#!/usr/bin/env bash\n# ${file} of the reference Kafka 4.4 (${cls}), for librdkafka's tests.\nexec ${JSON.stringify(runClass)} ${cls} "$@"\n`, { mode: 0o755 });
  }
  return dir;
}
