// Loggers for stream tests: silent by default, everything when WHARF_STREAMS_DEBUG is set.
import type { Logger } from 'wharf/streams';

const debug = process.env.WHARF_STREAMS_DEBUG !== undefined && process.env.WHARF_STREAMS_DEBUG !== '';

export const silent: Logger = debug
  ? { debug: (m) => console.error(`D ${m}`), info: (m) => console.error(`I ${m}`), warn: (m) => console.error(`W ${m}`), error: (m) => console.error(`E ${m}`) }
  : { debug() {}, info() {}, warn() {}, error() {} };
