// Kafka 4.4's kafka-configs.sh (org.apache.kafka.tools.ConfigCommand, through kafka-run-class.sh
// of the Kafka peer) run against a bootstrap address, for the tests that drive broker configs and
// broker loggers with the operators' own tool: its output (stdout then stderr) and exit code.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { findPeer } from '../../support/peers.js';

export interface ToolResult {
  out: string;
  code: number;
}

function run(cmd: string, args: string[], timeoutMs = 90_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ out: `${stdout}${stderr}`, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** kafka-configs.sh of Kafka 4.4 against a bootstrap address. */
export function configsTool(bootstrap: string, args: string[]): Promise<ToolResult> {
  return run('bash', [join(dirname(findPeer('kafka')!), 'kafka-run-class.sh'), 'org.apache.kafka.tools.ConfigCommand', '--bootstrap-server', bootstrap, ...args]);
}
