// Command-line flags and config files, both turned into broker options through the options
// table of config.ts, so a key means the same thing wherever it is written, and the help text
// (like the README's table) is generated from that table instead of restating it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, OPTIONS, defaultText, mergeConfigs, parseRawOptions, type BrokerConfig } from '../config.js';

export interface CliCommand {
  kind: 'run' | 'help' | 'version';
  options: BrokerConfig;
}

/** Backticks are for the README's Markdown; a terminal shows the plain text. */
const plain = (s: string): string => s.replace(/`/g, '');

export function usage(): string {
  const lines = ['Usage: wharf [options]', '', 'Options:'];
  const row = (flag: string, help: string) => lines.push(`  ${flag.padEnd(42)}${help}`);
  row('-c, --config <file>', 'JSON config file with the same keys as the flags (or sections: {"nats": {...}})');
  for (const o of OPTIONS) {
    const d = defaultText(o);
    row(`${o.short ? `-${o.short}, ` : '    '}--${o.flag} <value>`, `${plain(o.help)}${d ? ` (default ${plain(d)})` : ''}`);
  }
  row('-h, --help', 'show this help');
  row('-v, --version', 'show the version');
  lines.push('', 'Durations take 500ms, 10s, 2m or a number of seconds; sizes take 512KB, 64MB or a number of bytes.');
  lines.push('Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the configuration, SIGUSR2 enters lame duck mode.');
  return lines.join('\n');
}

/** The README's option table (Markdown), generated from the same table as --help. */
export function optionsMarkdownTable(): string {
  const lines = ['| flag | default | meaning |', '| --- | --- | --- |'];
  for (const o of OPTIONS) {
    const d = defaultText(o);
    const shown = d === '' ? '' : o.defaultText !== undefined ? d : `\`${d}\``;
    lines.push(`| \`${o.short ? `-${o.short}, ` : ''}--${o.flag}\` | ${shown} | ${o.help} |`);
  }
  return lines.join('\n');
}

/** Reads a JSON config file. Keys may be spelled like the flags or in camelCase, flat or in sections. */
export function loadConfigFile(path: string): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parseRawOptions(raw as Record<string, unknown>, path);
}

/** Parses argv (without node and script). Flags override the config file. */
export function parseCommandLine(argv: string[]): CliCommand {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const o of OPTIONS) spec[o.flag] = { type: 'string', ...(o.short ? { short: o.short } : {}) };
  // "--kafka-port -1" is how users disable a listener; parseArgs would read -1 as a flag.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else if (/^-[a-zA-Z]$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: spec, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (values.help) return { kind: 'help', options: {} };
  if (values.version) return { kind: 'version', options: {} };
  const fromFile = typeof values.config === 'string' ? loadConfigFile(values.config) : {};
  const flags: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const v = values[o.flag];
    if (typeof v !== 'string') continue;
    flags[o.flag] = v;
  }
  const fromFlags = parseRawOptions(flags, 'flags', (flag) => `--${flag}`);
  return { kind: 'run', options: mergeConfigs(fromFile, fromFlags) };
}
