// Structured logging. pino writes JSON lines, cheap enough to leave on in production, and what a
// log shipper wants; on a terminal a person gets one pretty, coloured line per event instead
// ("12:03:04.123 INFO  kafka listener ready  port=9092"), the same events with the same fields.
// The format is --log-format: auto (pretty on a TTY, JSON otherwise), pretty or json. The
// broker takes a logger so that an embedding application can route Wharf's logs into its own.
// setLogLevel changes the level of a logger and of every child made from it (SIGHUP reload).
// Loggers have names, as Kafka's log4j loggers do: `root` (the broker's logger) and each
// component (the `component` binding of a child: kafka, group-coordinator, storage, ...).
// LoggerLevels lists them with their levels and changes one at run time (Kafka's BROKER_LOGGER
// config resource, src/kafka/apis/broker-loggers.ts): a component with a level of its own keeps
// it across root level changes until it is reset to follow the root again.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config.js';

export type { Logger };

export interface LoggerOptions {
  name?: string;
  format?: LogFormat;
  /** Where lines go (default stdout); `isTTY` of a stream decides the auto format. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Colours in pretty lines (default: when the destination is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

/** The children of a root logger (pino copies the level into a child), by component, and the components' own levels. */
interface Family {
  readonly children: Set<{ ref: WeakRef<Logger>; component: string | null }>;
  readonly components: Set<string>;
  readonly overrides: Map<string, LogLevel>;
}

const families = new WeakMap<Logger, Family>();

function componentOf(child: Logger): string | null {
  const c = (child.bindings() as { component?: unknown }).component;
  return typeof c === 'string' ? c : null;
}

export function createLogger(level: LogLevel, opts: LoggerOptions | string = {}): Logger {
  const o: LoggerOptions = typeof opts === 'string' ? { name: opts } : opts;
  const out = o.destination ?? process.stdout;
  const tty = out.isTTY === true;
  const format = o.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && tty);
  const family: Family = { children: new Set(), components: new Set(), overrides: new Map() };
  const destination: DestinationStream | undefined = pretty ? new PrettyDestination(out, o.color ?? (tty && process.env['NO_COLOR'] === undefined)) : o.destination;
  const options = {
    name: o.name ?? 'wharf',
    level,
    base: { pid: process.pid },
    // Called for children of children too (pino children inherit it).
    onChild: (child: Logger) => {
      const component = componentOf(child);
      family.children.add({ ref: new WeakRef(child), component });
      if (component === null) return;
      family.components.add(component);
      const own = family.overrides.get(component);
      if (own !== undefined) child.level = own;
    },
  };
  // Without a destination pino writes JSON lines to stdout, as it always did.
  const logger = destination === undefined ? pino(options) : pino(options, destination);
  families.set(logger, family);
  return logger;
}

/** Sets the level of `logger` and of every child logger made from it (components with a level of their own keep it). */
export function setLogLevel(logger: Logger, level: LogLevel): void {
  logger.level = level;
  const family = families.get(logger);
  if (family === undefined) return;
  for (const entry of family.children) {
    const child = entry.ref.deref();
    if (child === undefined) family.children.delete(entry);
    else child.level = (entry.component !== null ? family.overrides.get(entry.component) : undefined) ?? level;
  }
}

/** The name of the broker's own logger, as Kafka names log4j's. */
export const ROOT_LOGGER = 'root';

/** The named loggers of a root logger and their levels (Kafka's BROKER_LOGGER resource). */
export class LoggerLevels {
  constructor(private readonly root: Logger) {}

  /** `root` first, then the components in name order, each with its effective level. */
  list(): Array<{ name: string; level: LogLevel }> {
    const rootLevel = this.root.level as LogLevel;
    const family = families.get(this.root);
    const components = family ? [...family.components].sort() : [];
    return [{ name: ROOT_LOGGER, level: rootLevel }, ...components.map((name) => ({ name, level: family!.overrides.get(name) ?? rootLevel }))];
  }

  has(name: string): boolean {
    return name === ROOT_LOGGER || (families.get(this.root)?.components.has(name) ?? false);
  }

  /** Sets a logger's level; null resets a component to the root's level. False when there is no such logger. */
  set(name: string, level: LogLevel | null): boolean {
    if (name === ROOT_LOGGER) {
      if (level !== null) setLogLevel(this.root, level);
      return true;
    }
    const family = families.get(this.root);
    if (!family?.components.has(name)) return false;
    if (level === null) family.overrides.delete(name);
    else family.overrides.set(name, level);
    const effective = level ?? (this.root.level as LogLevel);
    for (const entry of family.children) {
      if (entry.component !== name) continue;
      const child = entry.ref.deref();
      if (child === undefined) family.children.delete(entry);
      else child.level = effective;
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The pretty format

const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '\u001b[90m'],
  20: ['DEBUG', '\u001b[36m'],
  30: ['INFO ', '\u001b[32m'],
  40: ['WARN ', '\u001b[33m'],
  50: ['ERROR', '\u001b[31m'],
  60: ['FATAL', '\u001b[41;97m'],
};
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';
/** Fields every line has, or that the line shows in its own place. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component', 'err', 'v', 'ports']);

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** One event as a line: time, level, [component], message, key=value fields; an error's stack below it. */
export function prettyLine(record: Record<string, unknown>, color: boolean): string {
  const c = (code: string, s: string): string => (color ? `${code}${s}${RESET}` : s);
  const time = typeof record['time'] === 'number' ? new Date(record['time']) : new Date();
  const hh = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${hh(time.getHours())}:${hh(time.getMinutes())}:${hh(time.getSeconds())}.${hh(time.getMilliseconds(), 3)}`;
  const [name, levelColor] = LEVELS[Number(record['level'])] ?? ['?    ', ''];
  const component = typeof record['component'] === 'string' ? `${c(DIM, `[${record['component']}]`)} ` : '';
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${c(DIM, `${k}=`)}${fieldValue(v)}`)
    .join(' ');
  let line = `${c(DIM, stamp)} ${c(levelColor, name)} ${component}${Number(record['level']) >= 40 ? c(BOLD, msg) : msg}${fields ? `  ${fields}` : ''}`;
  const err = record['err'];
  if (typeof err === 'object' && err !== null) {
    const e = err as { message?: unknown; stack?: unknown; type?: unknown };
    const stack = typeof e.stack === 'string' ? e.stack : `${String(e.type ?? 'Error')}: ${String(e.message ?? '')}`;
    line += `\n${c(levelColor, stack.split('\n').map((l) => `    ${l}`).join('\n'))}`;
  }
  return `${line}\n`;
}

/** A pino destination that turns each JSON line into a pretty one. */
class PrettyDestination implements DestinationStream {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly color: boolean,
  ) {}

  write(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.out.write(`${line}\n`);
        continue;
      }
      this.out.write(prettyLine(record, this.color));
    }
  }
}
