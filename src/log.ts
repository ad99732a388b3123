// Structured logging. pino writes JSON lines, cheap enough to leave on in production; the
// broker takes a logger so that an embedding application can route Wharf's logs into its own.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel, name = 'wharf'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
