// JSON as nats-server (Go's encoding/json) writes and reads it, for the $JS.API front-end.
//
// Writing: keys in the order they were inserted (the builders insert them in Go's struct field
// order and leave out what Go's omitempty drops); `bigint` for int64 nanoseconds (durations over
// 104 days do not fit a double); `<`, `>`, `&`, U+2028 and U+2029 escaped as Go escapes them;
// times as Go's RFC 3339 with nanoseconds (`goTime`).
//
// Reading: a decoder driven by a schema of Go types, so that what a client sends is accepted or
// refused as nats-server does, with Go's error texts (clients show them, the differential tests
// compare them): unknown fields refused (`json: unknown field "x"`, nats-server's strict mode) or
// dropped, type mismatches (`json: cannot unmarshal string into Go struct field S.f of type int`),
// syntax errors (`unexpected EOF`, `invalid character 'x' looking for beginning of value`).
// Integers are read from their text, so int64 fields keep every digit.

import { formatGoTime } from '../core/streams/go-duration.js';

// ---------------------------------------------------------------------------------------------
// Writing

export type GoJson = null | boolean | number | bigint | string | GoJson[] | { [key: string]: GoJson | undefined };

const HEX = '0123456789abcdef';

function quote(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20) {
      esc = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x3c) esc = '\\u003c';
    else if (c === 0x3e) esc = '\\u003e';
    else if (c === 0x26) esc = '\\u0026';
    else if (c === 0x2028) esc = '\\u2028';
    else if (c === 0x2029) esc = '\\u2029';
    if (esc !== null) {
      out += s.slice(from, i) + esc;
      from = i + 1;
    }
  }
  return `${out}${s.slice(from)}"`;
}

function write(v: GoJson, parts: string[], indent = '', step = ''): void {
  const nl = step === '' ? '' : `\n${indent}${step}`;
  const close = step === '' ? '' : `\n${indent}`;
  if (v === null) {
    parts.push('null');
  } else if (typeof v === 'string') {
    parts.push(quote(v));
  } else if (typeof v === 'number') {
    parts.push(Number.isFinite(v) ? String(v) : 'null');
  } else if (typeof v === 'bigint') {
    parts.push(v.toString());
  } else if (typeof v === 'boolean') {
    parts.push(v ? 'true' : 'false');
  } else if (Array.isArray(v)) {
    if (v.length === 0) {
      parts.push('[]');
      return;
    }
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      parts.push(nl);
      write(v[i]!, parts, indent + step, step);
    }
    parts.push(close, ']');
  } else {
    parts.push('{');
    let first = true;
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x === undefined) continue;
      if (!first) parts.push(',');
      first = false;
      parts.push(nl, quote(k), step === '' ? ':' : ': ');
      write(x, parts, indent + step, step);
    }
    parts.push(first ? '' : close, '}');
  }
}

/** Encodes a value as Go's json.Marshal would (undefined members are left out). */
export function goJson(v: GoJson): string {
  const parts: string[] = [];
  write(v, parts);
  return parts.join('');
}

/** Go's json.MarshalIndent(v, "", step), as nats-server's monitoring endpoints write. */
export function goJsonIndent(v: GoJson, step = '  '): string {
  const parts: string[] = [];
  write(v, parts, '', step);
  return parts.join('');
}

/** `goJson` as a Buffer, ready for Router.publish. */
export function goJsonBuffer(v: GoJson): Buffer {
  return Buffer.from(goJson(v), 'utf8');
}

/** A time as Go's time.Time marshals in UTC (see core/streams/go-duration.ts). */
export const goTime = formatGoTime;

/** Nanoseconds since the epoch of a millisecond time, as bigint. */
export function nanos(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

// ---------------------------------------------------------------------------------------------
// Reading: the syntax tree keeps numbers as their text.

export class JsonNumber {
  constructor(readonly text: string) {}
}

export type RawJson = null | boolean | string | JsonNumber | RawJson[] | { [key: string]: RawJson };

/** A syntax error with Go's text (the front-end prefixes "invalid JSON: "). */
export class GoJsonError extends Error {
  override name = 'GoJsonError';
}

function charDesc(c: string): string {
  // Go quotes the offending character as a rune literal: 'x', '"', '\n'.
  if (c === "'") return "'\\''";
  if (c === '\n') return "'\\n'";
  if (c === '\r') return "'\\r'";
  if (c === '\t') return "'\\t'";
  return `'${c}'`;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  private eof(): never {
    throw new GoJsonError('unexpected EOF');
  }

  private bad(context: string): never {
    throw new GoJsonError(`invalid character ${charDesc(this.s[this.pos]!)} ${context} at offset ${this.pos + 1}`);
  }

  value(): RawJson {
    this.ws();
    if (this.pos >= this.s.length) this.eof();
    const c = this.s[this.pos]!;
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (this.s.startsWith('true', this.pos)) return this.literal('true', true);
    if (this.s.startsWith('false', this.pos)) return this.literal('false', false);
    if (this.s.startsWith('null', this.pos)) return this.literal('null', null);
    // A truncated literal ("tr") is an EOF, anything else a bad character.
    for (const lit of ['true', 'false', 'null']) {
      if (lit.startsWith(this.s.slice(this.pos)) && this.s.length - this.pos < lit.length) this.eof();
    }
    return this.bad('looking for beginning of value');
  }

  private literal<T>(word: string, v: T): T {
    this.pos += word.length;
    return v;
  }

  private object(): { [key: string]: RawJson } {
    const out: { [key: string]: RawJson } = {};
    this.pos++;
    this.ws();
    if (this.pos >= this.s.length) this.eof();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.pos >= this.s.length) this.eof();
      if (this.s[this.pos] !== '"') this.bad('looking for beginning of object key string');
      const key = this.string();
      this.ws();
      if (this.pos >= this.s.length) this.eof();
      if (this.s[this.pos] !== ':') this.bad('after object key');
      this.pos++;
      setOwn(out, key, this.value());
      this.ws();
      if (this.pos >= this.s.length) this.eof();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.bad('after object key:value pair');
    }
  }

  private array(): RawJson[] {
    const out: RawJson[] = [];
    this.pos++;
    this.ws();
    if (this.pos >= this.s.length) this.eof();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.pos >= this.s.length) this.eof();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.bad('after array element');
    }
  }

  private string(): string {
    const s = this.s;
    const start = ++this.pos;
    let out = '';
    let from = start;
    for (;;) {
      if (this.pos >= s.length) this.eof();
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) this.bad('in string literal');
      if (c === 0x5c) {
        out += s.slice(from, this.pos);
        this.pos++;
        if (this.pos >= s.length) this.eof();
        const e = s[this.pos]!;
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (simple[e] !== undefined) {
          out += simple[e];
          this.pos++;
        } else if (e === 'u') {
          const hex = s.slice(this.pos + 1, this.pos + 5);
          if (hex.length < 4) this.eof();
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos += 1 + [...hex].findIndex((h) => !/[0-9a-fA-F]/.test(h));
            this.bad('in \\u hexadecimal character escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 5;
        } else {
          this.bad('in string escape code');
        }
        from = this.pos;
        continue;
      }
      this.pos++;
    }
    out += s.slice(from, this.pos);
    this.pos++;
    return out;
  }

  private number(): JsonNumber {
    const s = this.s;
    const start = this.pos;
    if (s[this.pos] === '-') this.pos++;
    if (this.pos >= s.length) this.eof();
    if (s[this.pos] === '0') this.pos++;
    else if (s[this.pos]! >= '1' && s[this.pos]! <= '9') while (this.pos < s.length && s[this.pos]! >= '0' && s[this.pos]! <= '9') this.pos++;
    else this.bad('in numeric literal');
    if (s[this.pos] === '.') {
      this.pos++;
      if (this.pos >= s.length) this.eof();
      if (!(s[this.pos]! >= '0' && s[this.pos]! <= '9')) this.bad('after decimal point in numeric literal');
      while (this.pos < s.length && s[this.pos]! >= '0' && s[this.pos]! <= '9') this.pos++;
    }
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      this.pos++;
      if (s[this.pos] === '+' || s[this.pos] === '-') this.pos++;
      if (this.pos >= s.length) this.eof();
      if (!(s[this.pos]! >= '0' && s[this.pos]! <= '9')) this.bad('in exponent of numeric literal');
      while (this.pos < s.length && s[this.pos]! >= '0' && s[this.pos]! <= '9') this.pos++;
    }
    return new JsonNumber(s.slice(start, this.pos));
  }

  end(): void {
    this.ws();
    if (this.pos < this.s.length) this.bad('after top-level value');
  }
}

/**
 * Parses one JSON value as Go's json.Decoder reads a request body: leading and trailing
 * whitespace allowed, nothing else after the value. Throws GoJsonError.
 */
/**
 * Sets a property as an own data property: `obj[key] = v` with the key "__proto__" would set
 * the object's prototype instead (a request could then smuggle fields past the schema).
 */
function setOwn(obj: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else (obj as Record<string, unknown>)[key] = value;
}

export function parseGoJson(text: string): RawJson {
  const p = new Parser(text);
  const v = p.value();
  p.end();
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reading: schemas of Go types.

/** A Go type a JSON field decodes into; `name` is how Go's errors spell the type. */
export type GoType =
  | { kind: 'string' }
  | { kind: 'bool' }
  /** Integers with Go's range: int/int64 (safe-integer numbers), int32, uint64 ... */
  | { kind: 'int'; name: string; min: number; max: number }
  /** int64 kept exact as a bigint (time.Duration and other nanosecond fields). */
  | { kind: 'bigint'; name: string }
  | { kind: 'float'; name: string }
  /** time.Time: an RFC 3339 string. */
  | { kind: 'time' }
  | { kind: 'array'; of: GoType }
  | { kind: 'map'; of: GoType }
  | { kind: 'struct'; schema: GoStruct }
  /** Any JSON value, kept as parsed (json.RawMessage, interface{}). */
  | { kind: 'raw' };

export interface GoField {
  type: GoType;
  /** The field's path in Go's error texts when it differs from its JSON name (fields of embedded structs: "ApiPagedRequest.offset"). */
  goPath?: string;
}

/**
 * A Go struct. Go's type errors name the innermost struct holding the field, then the field's
 * path from the top value: "StreamConsumerLimits.StreamConfig.consumer_limits.max_ack_pending".
 */
export interface GoStruct {
  /** The Go type name ("StreamConfigRequest"). */
  name: string;
  fields: Record<string, GoField>;
}

export const T = {
  string: { kind: 'string' } as GoType,
  bool: { kind: 'bool' } as GoType,
  int: { kind: 'int', name: 'int', min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as GoType,
  int32: { kind: 'int', name: 'int32', min: -2147483648, max: 2147483647 } as GoType,
  int64: { kind: 'int', name: 'int64', min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as GoType,
  uint64: { kind: 'int', name: 'uint64', min: 0, max: Number.MAX_SAFE_INTEGER } as GoType,
  duration: { kind: 'bigint', name: 'time.Duration' } as GoType,
  int64Exact: { kind: 'bigint', name: 'int64' } as GoType,
  float64: { kind: 'float', name: 'float64' } as GoType,
  time: { kind: 'time' } as GoType,
  raw: { kind: 'raw' } as GoType,
  array: (of: GoType): GoType => ({ kind: 'array', of }),
  map: (of: GoType): GoType => ({ kind: 'map', of }),
  struct: (schema: GoStruct): GoType => ({ kind: 'struct', schema }),
};

function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
    case 'bigint':
    case 'float':
      return t.name;
    case 'time':
      return 'time.Time';
    case 'array':
      return `[]${goTypeName(t.of)}`;
    case 'map':
      return `map[string]${goTypeName(t.of)}`;
    case 'struct':
      return t.schema.name;
    case 'raw':
      return 'interface {}';
  }
}

function jsonKind(v: RawJson): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof JsonNumber) return `number`;
  if (Array.isArray(v)) return 'array';
  return 'object';
}

export interface DecodeOptions {
  /** Refuse fields the schema does not know (nats-server's strict mode, the default); else drop them. */
  strict: boolean;
}

/** The decoded value of a struct: JSON names to converted values (absent when not sent or null). */
export type Decoded = { [key: string]: unknown };

class Decoder {
  /** Go keeps decoding after a type error and returns the first one at the end. */
  firstError: string | null = null;
  constructor(private readonly opts: DecodeOptions) {}

  private fail(msg: string): void {
    this.firstError ??= msg;
  }

  /** `path` is "<innermost struct>.<path from the top>". */
  private mismatch(v: RawJson, t: GoType, path: string): undefined {
    // Go shows the number only when a number does not fit a numeric field.
    const numeric = t.kind === 'int' || t.kind === 'bigint' || t.kind === 'float';
    const what = v instanceof JsonNumber && numeric ? `number ${v.text}` : jsonKind(v);
    this.fail(`json: cannot unmarshal ${what} into Go struct field ${path} of type ${goTypeName(t)}`);
    return undefined;
  }

  /** `path`: the error path of this value; `from`: its path from the top (for structs inside). */
  value(v: RawJson, t: GoType, path: string, from = ''): unknown {
    if (v === null) return undefined;
    switch (t.kind) {
      case 'raw':
        return v;
      case 'string':
        return typeof v === 'string' ? v : this.mismatch(v, t, path);
      case 'bool':
        return typeof v === 'boolean' ? v : this.mismatch(v, t, path);
      case 'int': {
        if (!(v instanceof JsonNumber)) return this.mismatch(v, t, path);
        if (!/^-?\d+$/.test(v.text)) return this.mismatch(v, t, path);
        const n = Number(v.text);
        if (n < t.min || n > t.max) return this.mismatch(v, t, path);
        return n;
      }
      case 'bigint': {
        if (!(v instanceof JsonNumber) || !/^-?\d+$/.test(v.text)) return this.mismatch(v, t, path);
        const n = BigInt(v.text);
        if (n > 9223372036854775807n || n < -9223372036854775808n) return this.mismatch(v, t, path);
        return n;
      }
      case 'float':
        return v instanceof JsonNumber ? Number(v.text) : this.mismatch(v, t, path);
      case 'time': {
        if (typeof v !== 'string') return this.mismatch(v, t, path);
        const ms = parseRfc3339(v);
        if (ms === null) {
          this.fail(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
          return undefined;
        }
        return v;
      }
      case 'array': {
        if (!Array.isArray(v)) return this.mismatch(v, t, path);
        const out: unknown[] = [];
        for (const x of v) {
          const d = this.value(x, t.of, path, from);
          out.push(d === undefined && t.of.kind === 'string' ? '' : d);
        }
        return out;
      }
      case 'map': {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) return this.mismatch(v, t, path);
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) setOwn(out, k, this.value(x, t.of, path, from));
        return out;
      }
      case 'struct':
        return this.struct(v, t.schema, from, path);
    }
  }

  /**
   * `from`: the struct's path from the top value ('' for the top); `selfPath`: its own error
   * path (null for the top value).
   */
  struct(v: RawJson, schema: GoStruct, from: string, selfPath: string | null): Decoded | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) {
      if (selfPath === null) {
        this.fail(`json: cannot unmarshal ${jsonKind(v)} into Go value of type server.${schema.name}`);
        return undefined;
      }
      return this.mismatch(v, { kind: 'struct', schema }, selfPath);
    }
    const out: Decoded = {};
    for (const [key, x] of Object.entries(v)) {
      let name = key;
      // Own fields only: a key such as "constructor" must not find Object.prototype's.
      let field = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
      if (field === undefined) {
        // Go matches keys to field names without regard to case when no exact match exists.
        const lower = key.toLowerCase();
        const hit = Object.keys(schema.fields).find((k) => k.toLowerCase() === lower);
        if (hit !== undefined) {
          name = hit;
          field = schema.fields[hit];
        }
      }
      if (field === undefined) {
        if (this.opts.strict) this.fail(`json: unknown field ${JSON.stringify(key)}`);
        continue;
      }
      const fieldFrom = from === '' ? (field.goPath ?? name) : `${from}.${field.goPath ?? name}`;
      const d = this.value(x, field.type, `${schema.name}.${fieldFrom}`, fieldFrom);
      if (d !== undefined) out[name] = d;
    }
    return out;
  }
}

/** The outcome of decoding a request body against a schema: the value or Go's error text. */
export type DecodeResult = { ok: true; value: Decoded } | { ok: false; error: string };

/**
 * Decodes a request body into a Go struct: syntax errors and type errors with Go's texts (the
 * caller prefixes "invalid JSON: "). An empty body decodes to an empty struct.
 */
export function decodeGo(body: Buffer | string, schema: GoStruct, opts: DecodeOptions): DecodeResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim().length === 0) return { ok: true, value: {} };
  let raw: RawJson;
  try {
    raw = parseGoJson(text);
  } catch (e) {
    if (e instanceof GoJsonError) return { ok: false, error: e.message };
    throw e;
  }
  const d = new Decoder(opts);
  const value = d.struct(raw, schema, '', null);
  if (d.firstError !== null) return { ok: false, error: d.firstError };
  return { ok: true, value: value ?? {} };
}

/** Milliseconds of an RFC 3339 time ("2006-01-02T15:04:05.999999999Z07:00"), or null. */
export function parseRfc3339(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  const frac = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  let offset = 0;
  const z = m[8]!;
  if (z !== 'Z' && z !== 'z') offset = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * 60_000;
  return Math.floor(base + frac - offset);
}
