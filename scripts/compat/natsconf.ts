// A small parser of nats-server's configuration format, for the nats-server shim that runs
// peer test suites against Wharf. It reads what nats-server's own format allows in the files
// test launchers generate: `key: value`, `key = value`, `key value`, blocks `key { ... }`,
// arrays `[ ... ]`, quoted and bare strings, numbers (bare values with units such as `1MB`
// or `2m` stay strings for Wharf's own parsers), booleans (true/false/yes/no/on/off),
// variables (`$NAME`, looked up in enclosing blocks, then the environment), `#` and `//`
// comments, and `,`/`;`/newline separators. JSON is a subset.

export type ConfValue = string | number | boolean | ConfValue[] | ConfObject;
export interface ConfObject {
  [key: string]: ConfValue;
}

export class ConfSyntaxError extends Error {
  override name = 'ConfSyntaxError';
}

const BARE_KEY_END = /[\s:={}[\],;#"']/;

export function parseNatsConf(text: string, env: NodeJS.ProcessEnv = process.env): ConfObject {
  let i = 0;
  const scopes: ConfObject[] = [];

  const fail = (msg: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new ConfSyntaxError(`line ${line}: ${msg}`);
  };

  /** Skips whitespace, separators (when `seps`) and comments. */
  const skip = (seps: boolean): void => {
    while (i < text.length) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || (seps && (c === ',' || c === ';'))) {
        i++;
      } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
        while (i < text.length && text[i] !== '\n') i++;
      } else {
        break;
      }
    }
  };

  const quoted = (): string => {
    const q = text[i]!;
    i++;
    let out = '';
    while (i < text.length && text[i] !== q) {
      if (q === '"' && text[i] === '\\' && i + 1 < text.length) {
        const n = text[i + 1]!;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
        i += 2;
      } else {
        out += text[i++];
      }
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return out;
  };

  const lookup = (name: string): ConfValue => {
    for (let s = scopes.length - 1; s >= 0; s--) {
      const v = scopes[s]![name];
      if (v !== undefined) return v;
    }
    const e = env[name];
    if (e !== undefined) return e;
    return fail(`variable reference for '${name}' on line could not be parsed`);
  };

  const scalar = (raw: string): ConfValue => {
    const s = raw.trim();
    if (/^(true|yes|on)$/i.test(s)) return true;
    if (/^(false|no|off)$/i.test(s)) return false;
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    return s;
  };

  const value = (): ConfValue => {
    skip(false);
    const c = text[i];
    if (c === undefined) return fail('missing value');
    if (c === '{') {
      i++;
      return block('}');
    }
    if (c === '[') {
      i++;
      const arr: ConfValue[] = [];
      for (let n = 0; n < 1_000_000; n++) {
        skip(true);
        if (i >= text.length) fail('unterminated array');
        if (text[i] === ']') {
          i++;
          return arr;
        }
        arr.push(value());
      }
      return fail('array too long');
    }
    if (c === '"' || c === "'") return quoted();
    // Bare value: up to the end of the line, a separator, a closing bracket or a comment.
    const start = i;
    while (i < text.length) {
      const d = text[i]!;
      if (d === '\n' || d === ',' || d === ';' || d === '}' || d === ']' || d === '#') break;
      if (d === '/' && text[i + 1] === '/') break;
      i++;
    }
    const raw = text.slice(start, i).trim();
    if (raw === '') fail('missing value');
    if (raw.startsWith('$')) return lookup(raw.slice(1));
    return scalar(raw);
  };

  const block = (close: '}' | ''): ConfObject => {
    const obj: ConfObject = {};
    scopes.push(obj);
    for (let n = 0; n < 1_000_000; n++) {
      skip(true);
      if (i >= text.length) {
        if (close) fail(`missing '${close}'`);
        break;
      }
      if (close && text[i] === close) {
        i++;
        break;
      }
      let key: string;
      if (text[i] === '"' || text[i] === "'") {
        key = quoted();
      } else {
        const start = i;
        while (i < text.length && !BARE_KEY_END.test(text[i]!)) i++;
        key = text.slice(start, i);
        if (key === '') fail(`unexpected '${text[i]}'`);
      }
      skip(false);
      if (text[i] === ':' || text[i] === '=') i++;
      obj[key] = value();
    }
    scopes.pop();
    return obj;
  };

  skip(true);
  if (text[i] === '{') {
    // A JSON document (or a whole config wrapped in braces).
    i++;
    const obj = block('}');
    skip(true);
    if (i < text.length) fail('text after the closing brace');
    return obj;
  }
  return block('');
}
