// The syntax of nats-server's configuration files, so that an operator's existing file is read
// by Wharf as nats-server reads it (its conf package): `key = value`, `key: value` or `key value`;
// blocks `key { ... }` and arrays `[ ... ]` separated by commas or new lines; `#` and `//`
// comments; single-quoted raw strings and double-quoted strings with \t \n \r \" \\ \xXX escapes;
// bare strings; booleans true/false/yes/no/on/off; integers with nats-server's size suffixes
// (1k = 1000, 1kb = 1ki = 1kib = 1024, up to e/eb) and floats; `2s` and other values that begin
// with a digit but are no number stay strings (nats-server's durations); variables `$NAME`
// looked up in the enclosing blocks, then in the environment (whose text is parsed as a value);
// `include path` (relative to the including file) merging the keys of another file into the
// current block; raw blocks `( ... )` ended by `)` on a line of its own. JSON is a subset.
// What the keys mean is read elsewhere (nats-server-config.ts): this file only knows the syntax.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export type ConfValue = string | number | boolean | ConfValue[] | ConfObject;
export interface ConfObject {
  [key: string]: ConfValue;
}

export class ConfSyntaxError extends Error {
  override name = 'ConfSyntaxError';
}

/** Keys of each block whose value a `$NAME` reference used: variables, which nats-server does not read as settings. */
const usedAsVariable = new WeakMap<ConfObject, Set<string>>();

/** Whether `key` of `block` was referenced as a variable (nats-server then does not take it for a setting). */
export function isUsedVariable(block: ConfObject, key: string): boolean {
  return usedAsVariable.get(block)?.has(key) === true;
}

function markUsed(block: ConfObject, key: string): void {
  let keys = usedAsVariable.get(block);
  if (keys === undefined) usedAsVariable.set(block, (keys = new Set()));
  keys.add(key);
}

export interface ParseOptions {
  /** The file the text came from: includes are resolved against its directory, errors name it. */
  file?: string;
  /** Where `$NAME` is looked up when no enclosing block defines it. */
  env?: NodeJS.ProcessEnv;
  /** Files being included (to refuse an include cycle). */
  including?: readonly string[];
  /** Environment variables being expanded by enclosing parses (to refuse a reference cycle). */
  expanding?: Set<string>;
}

const SIZE_SUFFIX: Record<string, number> = {
  k: 1e3, kb: 1024, ki: 1024, kib: 1024,
  m: 1e6, mb: 1024 ** 2, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1024 ** 3, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1024 ** 4, ti: 1024 ** 4, tib: 1024 ** 4,
  p: 1e15, pb: 1024 ** 5, pi: 1024 ** 5, pib: 1024 ** 5,
  e: 1e18, eb: 1024 ** 6, ei: 1024 ** 6, eib: 1024 ** 6,
};

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isNL = (c: string | undefined): boolean => c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Reads a configuration file (and the files it includes). */
export function parseNatsConfFile(path: string, env: NodeJS.ProcessEnv = process.env, including: readonly string[] = []): ConfObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfSyntaxError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseNatsConf(text, { file: path, env, including });
}

/** Parses configuration text. Throws ConfSyntaxError naming the file and line. */
export function parseNatsConf(text: string, options: ParseOptions = {}): ConfObject {
  const env = options.env ?? process.env;
  const file = options.file;
  const including = [...(options.including ?? []), ...(file !== undefined ? [file] : [])];
  let i = 0;
  /** The blocks being built, outermost first: variables are looked up in them. */
  const scopes: ConfObject[] = [];
  /** Environment variables being expanded (a variable whose value refers to itself is a cycle). */
  const expanding = options.expanding ?? new Set<string>();

  const where = (): string => {
    let line = 1;
    for (let k = 0; k < i && k < text.length; k++) if (text[k] === '\n') line++;
    return `${file ?? 'config'}:${line}`;
  };
  const fail = (msg: string): never => {
    throw new ConfSyntaxError(`${where()}: ${msg}`);
  };

  const skipComment = (): void => {
    while (i < text.length && !isNL(text[i])) i++;
  };
  /** At a comment start (# or //)? */
  const atComment = (): boolean => text[i] === '#' || (text[i] === '/' && text[i + 1] === '/');

  /** Skips spaces, new lines and comments (between entries of a block or an array). */
  const skipBlank = (): void => {
    for (;;) {
      const c = text[i];
      if (isSpace(c) || isNL(c)) i++;
      else if (c !== undefined && atComment()) skipComment();
      else return;
    }
  };

  const quotedKeyOrString = (q: string): string => {
    const start = ++i;
    while (i < text.length && text[i] !== q) i++;
    if (i >= text.length) fail(`unterminated quoted ${q === '"' ? 'string' : 'raw string'}`);
    return text.slice(start, i++);
  };

  const escape = (): string => {
    const c = text[i++];
    switch (c) {
      case 't': return '\t';
      case 'n': return '\n';
      case 'r': return '\r';
      case '"': return '"';
      case '\\': return '\\';
      case 'x': {
        const hex = text.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`expected two hexadecimal digits after '\\x', got '${hex}'`);
        i += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return fail(`invalid escape character '${c ?? 'EOF'}': only \\xXX, \\t, \\n, \\r, \\", \\\\ are allowed`);
    }
  };

  const dubQuoted = (): string => {
    i++;
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail('unterminated string');
      i++;
      if (c === '"') return out;
      out += c === '\\' ? escape() : c;
    }
  };

  /** A value's end: what may follow a bare value. */
  const endsBare = (c: string | undefined): boolean =>
    c === undefined || isNL(c) || isSpace(c) || c === ';' || c === ',' || c === ']' || c === '}';

  /** The environment variable's text, parsed as a value. */
  const fromEnv = (name: string): ConfValue | undefined => {
    const raw = env[name];
    if (raw === undefined) return undefined;
    if (expanding.has(name)) fail(`variable reference cycle for '${name}'`);
    expanding.add(name);
    try {
      const parsed = parseNatsConf(`pk=${raw}`, { env, including, expanding });
      return parsed.pk;
    } catch (err) {
      if (err instanceof ConfSyntaxError && /reference cycle/.test(err.message)) throw err;
      return fail(`variable reference for '${name}' could not be parsed: ${(err as Error).message}`);
    } finally {
      expanding.delete(name);
    }
  };

  const variable = (name: string): ConfValue => {
    // A bare bcrypt hash ($2a$...) is a string, not a reference (nats-server's special case).
    if (name.startsWith('2a$')) return `$${name}`;
    for (let s = scopes.length - 1; s >= 0; s--) {
      const v = scopes[s]![name];
      if (v !== undefined) {
        markUsed(scopes[s]!, name);
        return v;
      }
    }
    const v = fromEnv(name);
    if (v === undefined) fail(`variable reference for '${name}' can not be found`);
    return v!;
  };

  /** A bare string (or boolean, or variable) from `start`. */
  const bare = (start: number): ConfValue => {
    let out = '';
    let escaped = false;
    let from = start;
    i = start;
    for (;;) {
      const c = text[i];
      if (c === '\\') {
        out += text.slice(from, i);
        i++;
        out += escape();
        from = i;
        escaped = true;
        continue;
      }
      if (endsBare(c) || c === "'") break;
      i++;
    }
    out += text.slice(from, i);
    if (text[i] === "'") i++; // nats-server ends a bare string at a quote and drops it
    if (escaped) return out;
    const lower = out.toLowerCase();
    if (lower === 'true' || lower === 'yes' || lower === 'on') return true;
    if (lower === 'false' || lower === 'no' || lower === 'off') return false;
    if (out.startsWith('$')) return variable(out.slice(1));
    return out;
  };

  /** A value that begins with a digit or '-': integer (with size suffix), float, datetime, IP, or a string. */
  const numeric = (): ConfValue => {
    const start = i;
    if (text[i] === '-') {
      i++;
      if (!isDigit(text[i])) fail(text[i] === '.' ? "floats must start with a digit, not '.'" : `expected a digit but got '${text[i] ?? 'EOF'}'`);
    }
    while (isDigit(text[i])) i++;
    const c = text[i];
    if (c === '-' && text[start] !== '-' && i - start === 4) {
      const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/.exec(text.slice(start));
      if (m === null) fail('all ISO8601 dates must be in full Zulu form');
      i = start + m![0].length;
      return m![0];
    }
    if (c === '.') {
      i++;
      if (!isDigit(text[i])) fail(`floats must have a digit after the '.', but got '${text[i] ?? 'EOF'}'`);
      while (isDigit(text[i])) i++;
      if (text[i] === '.') {
        // An IP address (and port): 127.0.0.1:4222.
        while (isDigit(text[i]) || text[i] === '.' || text[i] === ':' || text[i] === '-') i++;
        return text.slice(start, i);
      }
      if (endsBare(text[i])) return Number(text.slice(start, i));
      return bare(start);
    }
    if (c !== undefined && /[kmgtpeKMGTPE]/.test(c)) {
      let j = i + 1;
      while (text[j] !== undefined && /[bBiI]/.test(text[j]!)) j++;
      const suffix = text.slice(i, j).toLowerCase();
      const unit = SIZE_SUFFIX[suffix];
      if (endsBare(text[j]) && unit !== undefined) {
        const n = Number(text.slice(start, i));
        i = j;
        return n * unit;
      }
      return bare(start);
    }
    if (endsBare(c)) {
      const n = Number(text.slice(start, i));
      if (!Number.isSafeInteger(n)) fail(`integer '${text.slice(start, i)}' is out of the range`);
      return n;
    }
    return bare(start);
  };

  /** `( ... )` with the `)` alone on a line: the text between, raw. */
  const rawBlock = (): string => {
    const start = ++i;
    for (;;) {
      const close = text.indexOf('\n)', i - 1);
      if (close < 0) return fail('unexpected EOF processing block');
      const after = text[close + 2];
      if (after === undefined || after === '\n' || (after === '\r' && text[close + 3] === '\n')) {
        i = close + 2;
        return text.slice(start, close);
      }
      i = close + 2;
    }
  };

  const array = (): ConfValue[] => {
    i++;
    const out: ConfValue[] = [];
    for (;;) {
      skipBlank();
      const c = text[i];
      if (c === undefined) return fail('unterminated array');
      if (c === ']') {
        i++;
        return out;
      }
      if (c === ',') fail("unexpected array value terminator ','");
      out.push(value());
      // After a value: spaces and a comment, then ',' or a new line or ']'.
      while (isSpace(text[i])) i++;
      if (text[i] !== undefined && atComment()) skipComment();
      const e = text[i];
      if (e === ',' || isNL(e)) i++;
      else if (e !== ']') fail(`expected an array value terminator ',' or an array terminator ']', but got '${e ?? 'EOF'}'`);
    }
  };

  const value = (): ConfValue => {
    while (isSpace(text[i])) i++;
    const c = text[i];
    if (c === undefined || isNL(c)) return fail('expected value but found new line');
    if (c === '[') return array();
    if (c === '{') {
      i++;
      return block('}');
    }
    if (c === "'") return quotedKeyOrString("'");
    if (c === '"') return dubQuoted();
    if (c === '(') return rawBlock();
    if (c === '-' || isDigit(c)) return numeric();
    if (c === '.') return fail('floats must start with a digit');
    return bare(i);
  };

  const include = (target: ConfObject): void => {
    while (isSpace(text[i])) i++;
    let path: string;
    const c = text[i];
    if (c === '"' || c === "'") path = quotedKeyOrString(c);
    else {
      const start = i;
      while (i < text.length && !isNL(text[i]) && !isSpace(text[i]) && text[i] !== ';' && text[i] !== '}' && text[i] !== "'") i++;
      path = text.slice(start, i);
      if (path === '') fail('expected include value');
    }
    const full = isAbsolute(path) ? path : join(file !== undefined ? dirname(file) : process.cwd(), path);
    if (including.includes(full)) fail(`include cycle: ${full}`);
    let included: ConfObject;
    try {
      included = parseNatsConfFile(full, env, including);
    } catch (err) {
      return void fail(`error parsing include file '${path}', ${(err as Error).message}`);
    }
    Object.assign(target, included);
    for (const key of Object.keys(included)) if (isUsedVariable(included, key)) markUsed(target, key);
  };

  /** Entries of a block up to `close` ('' for the top level, to the end of the text). */
  const block = (close: '}' | ''): ConfObject => {
    const obj: ConfObject = {};
    scopes.push(obj);
    for (;;) {
      skipBlank();
      while (text[i] === ';' || text[i] === ',') {
        i++;
        skipBlank();
      }
      const c = text[i];
      if (c === undefined) {
        if (close !== '') fail(`unexpected EOF processing map`);
        break;
      }
      if (c === '}') {
        if (close === '') fail("unexpected '}'");
        i++;
        break;
      }
      if (c === '=' || c === ':') fail(`unexpected key separator '${c}'`);
      if (c === ']') fail(`unexpected array end ']' processing map`);
      let key: string;
      let keyword = false;
      if (c === '"' || c === "'") key = quotedKeyOrString(c);
      else {
        const start = i;
        while (i < text.length && !isSpace(text[i]) && !isNL(text[i]) && text[i] !== '=' && text[i] !== ':') i++;
        key = text.slice(start, i);
        keyword = isSpace(text[i]) && key.toLowerCase() === 'include';
      }
      if (keyword) {
        include(obj);
      } else {
        while (isSpace(text[i]) || isNL(text[i])) i++;
        if (text[i] === '=' || text[i] === ':') i++;
        obj[key] = value();
      }
      // After a value: spaces and a comment, then a separator, a new line or the block's end.
      while (isSpace(text[i])) i++;
      if (text[i] !== undefined && atComment()) skipComment();
      const e = text[i];
      if (e === undefined || isNL(e) || e === ';' || e === ',') continue;
      if (e === '}' && close === '}') continue;
      fail(`expected a value to end with a new line, a comment or a separator, but got '${e}'`);
    }
    scopes.pop();
    return obj;
  };

  skipBlank();
  if (text[i] === '{') {
    // A JSON document, or a whole configuration in braces.
    i++;
    const obj = block('}');
    skipBlank();
    if (i < text.length) fail('text after the closing brace');
    return obj;
  }
  return block('');
}
