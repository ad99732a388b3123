#!/usr/bin/env node
// wharf-streams-reset: the command line of resetApplication (kafka-streams-application-reset's
// flags: --application-id, --bootstrap-server(s), --input-topics, --to-latest, --dry-run, and
// --state-dir to remove this machine's local state too).
import { parseArgs } from 'node:util';
import { resetApplication } from './reset.js';

const { values } = parseArgs({
  options: {
    'application-id': { type: 'string' },
    'bootstrap-server': { type: 'string' },
    'bootstrap-servers': { type: 'string' },
    'input-topics': { type: 'string' },
    'to-latest': { type: 'boolean', default: false },
    'to-earliest': { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const usage = 'usage: wharf-streams-reset --application-id ID --bootstrap-server HOST:PORT [--input-topics a,b] [--to-latest|--to-earliest] [--state-dir DIR] [--dry-run]';
const applicationId = values['application-id'];
const bootstrap = values['bootstrap-server'] ?? values['bootstrap-servers'];
if (values.help || !applicationId || !bootstrap) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
try {
  const report = await resetApplication({
    applicationId,
    bootstrapServers: bootstrap,
    ...(values['input-topics'] ? { inputTopics: values['input-topics'].split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    toLatest: values['to-latest'],
    ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
    dryRun: values['dry-run'],
  });
  const verb = values['dry-run'] ? 'would' : '';
  for (const o of report.offsets) console.log(`${verb ? 'would reset' : 'reset'} ${o.topic}-${o.partition} to offset ${o.offset}`);
  for (const t of report.deletedTopics) console.log(`${verb ? 'would delete' : 'deleted'} internal topic ${t}`);
  if (report.deletedStateDir) console.log(`${verb ? 'would delete' : 'deleted'} local state ${report.deletedStateDir}`);
  console.log('Done.');
} catch (err) {
  console.error(`reset failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
