// One subject transform: a source pattern ('foo.*.>') and a destination template
// ('bar.{{wildcard(1)}}.{{partition(8,1)}}.>'), validated, compiled and applied with the rules of
// nats-server v2.15.2 (server/subject_transform.go, ValidateMapping in server/sublist.go), so that
// a mapping nats-server accepts is accepted here with the same meaning, one it refuses is refused
// with its error text, and `{{partition()}}` picks the same partition (FNV-1a 32 of the same bytes).
//
// Subjects are byte strings, one char per byte (latin1), as the NATS front-end decodes them: the
// hash, the slicing functions and Go's byte-oriented string handling all see the same bytes.
// Callers holding UTF-8 text convert it with `toByteString` first.
//
// Quirks kept on purpose because nats-server has them (users' mappings depend on the results):
// `$0`, `{{wildcard(0)}}` and negative indexes address the subject's first token; a partition
// count is truncated to int32 and a negative one wraps as uint32; `{{split}}` drops empty pieces.
import { FULL_WILDCARD, SINGLE_WILDCARD } from './subject.js';

/** The error texts of nats-server (server/errors.go), so that users see the same messages. */
export const MAPPING_ERRORS = {
  badSubject: 'invalid subject',
  invalidTransform: 'invalid mapping destination: invalid transform',
  unknownFunction: 'invalid mapping destination: unknown function',
  indexOutOfRange: 'invalid mapping destination: wildcard index out of range',
  notEnoughArgs: 'invalid mapping destination: not enough arguments passed to the function',
  invalidArg: 'invalid mapping destination: function argument is invalid or in the wrong format',
  tooManyArgs: 'invalid mapping destination: too many arguments passed to the function',
} as const;

/** A source or destination nats-server would refuse; the message is nats-server's. */
export class SubjectTransformError extends Error {
  override name = 'SubjectTransformError';
}

/** nats-server's mappingDestinationErr: "<error> in <token>" (just the error for an empty token). */
function destinationError(token: string, error: string): SubjectTransformError {
  return new SubjectTransformError(token === '' ? error : `${error} in ${fromByteString(token)}`);
}

/** UTF-8 text as a byte string (one char per byte), the form subjects have in the router. */
export function toByteString(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'utf8').toString('latin1');
  return text;
}

/** A byte string back to text, for messages. */
export function fromByteString(bytes: string): string {
  for (let i = 0; i < bytes.length; i++) if (bytes.charCodeAt(i) > 0x7f) return Buffer.from(bytes, 'latin1').toString('utf8');
  return bytes;
}

// Destination token functions, numbered as in nats-server.
const NONE = 0;
const PARTITION = 2;
const WILDCARD = 3;
const SPLIT_FROM_LEFT = 4;
const SPLIT_FROM_RIGHT = 5;
const SLICE_FROM_LEFT = 6;
const SLICE_FROM_RIGHT = 7;
const SPLIT = 8;
const LEFT = 9;
const RIGHT = 10;
const RANDOM = 11;

// Go's regexp `\s` is [\t\n\f\r ] and `.` is any char but '\n': spelled out, since JavaScript's
// classes are wider (its \s takes 0xA0, a byte of many UTF-8 sequences).
const WS = '[\\t\\n\\f\\r ]*';
const fnRegex = (name: string) => new RegExp(`\\{\\{${WS}${name}${WS}\\(([^\\n]*)\\)${WS}\\}\\}`);
const RE = {
  partition: fnRegex('[pP]artition'),
  wildcard: fnRegex('[wW]ildcard'),
  splitFromLeft: fnRegex('[sS]plit[fF]rom[lL]eft'),
  splitFromRight: fnRegex('[sS]plit[fF]rom[rR]ight'),
  sliceFromLeft: fnRegex('[sS]lice[fF]rom[lL]eft'),
  sliceFromRight: fnRegex('[sS]lice[fF]rom[rR]ight'),
  split: fnRegex('[sS]plit'),
  left: fnRegex('[lL]eft'),
  right: fnRegex('[rR]ight'),
  random: fnRegex('[rR]andom'),
};
const ARG_SEPARATOR = /,[\t\n\f\r ]*/;
const WHITESPACE = /[\t\n\f\r ]/;

const MAX_INT32 = 2n ** 31n - 1n;
const MIN_INT32 = -(2n ** 31n);
const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT64 = -(2n ** 63n);

/** Go's strconv.Atoi on a 64-bit platform: optional sign, decimal digits, int64 range. */
function goAtoi(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  return v > MAX_INT64 || v < MIN_INT64 ? null : v;
}

/** Go's strconv.ParseInt(s, 10, 32). */
function goParseInt32(s: string): number | null {
  const v = goAtoi(s);
  return v === null || v > MAX_INT32 || v < MIN_INT32 ? null : Number(v);
}

/** Go's int32(x) conversion: the low 32 bits, two's complement. */
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** strings.Trim(s, " "). */
function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
  return s.slice(a, b);
}

function functionArgs(re: RegExp, token: string): string[] | null {
  const m = re.exec(token);
  return m === null ? null : m[1]!.split(ARG_SEPARATOR);
}

const isMustache = (t: string) => t.length > 4 && t.startsWith('{{') && t.endsWith('}}');

interface Placeholder {
  fn: number;
  /** Wildcard ordinals (1-based) named by the function. */
  indexes: bigint[];
  /** Partition count, split position or slice size. */
  int: number;
  /** The delimiter of split(). */
  str: string;
}

const LITERAL: Placeholder = { fn: NONE, indexes: [], int: -1, str: '' };

/** A function taking a wildcard index and an int32 (splitFromLeft, left, ...). */
function indexAndInt(token: string, args: string[], fn: number): Placeholder {
  if (args.length < 2) throw destinationError(token, MAPPING_ERRORS.notEnoughArgs);
  if (args.length > 2) throw destinationError(token, MAPPING_ERRORS.tooManyArgs);
  const index = goAtoi(trimSpaces(args[0]!));
  const n = goParseInt32(trimSpaces(args[1]!));
  if (index === null || n === null) throw destinationError(token, MAPPING_ERRORS.invalidArg);
  return { fn, indexes: [index], int: n, str: '' };
}

/** The functions of a wildcard index and an int32, in the order nats-server tries them. */
const INDEX_AND_INT_FUNCTIONS: readonly (readonly [RegExp, number])[] = [
  [RE.splitFromLeft, SPLIT_FROM_LEFT],
  [RE.splitFromRight, SPLIT_FROM_RIGHT],
  [RE.sliceFromLeft, SLICE_FROM_LEFT],
  [RE.sliceFromRight, SLICE_FROM_RIGHT],
  [RE.right, RIGHT],
  [RE.left, LEFT],
];

/** What a destination token asks for (nats-server's indexPlaceHolders). */
function placeholder(token: string): Placeholder {
  if (token.length <= 1) return LITERAL;
  if (token[0] === '$') {
    // The legacy $1 form; a '$' token that is not a number is a literal ($JS, $SYS...).
    const i = goAtoi(token.slice(1));
    return i === null ? LITERAL : { fn: WILDCARD, indexes: [i], int: -1, str: '' };
  }
  if (!isMustache(token)) return LITERAL;

  let args = functionArgs(RE.wildcard, token);
  if (args !== null) {
    if (args.length === 1 && args[0] === '') throw destinationError(token, MAPPING_ERRORS.notEnoughArgs);
    if (args.length > 1) throw destinationError(token, MAPPING_ERRORS.tooManyArgs);
    const i = goAtoi(trimSpaces(args[0]!));
    if (i === null) throw destinationError(token, MAPPING_ERRORS.invalidArg);
    return { fn: WILDCARD, indexes: [i], int: -1, str: '' };
  }

  args = functionArgs(RE.partition, token);
  if (args !== null) {
    const n = goAtoi(trimSpaces(args[0]!));
    if (n === null || n > MAX_INT32) throw destinationError(token, MAPPING_ERRORS.invalidArg);
    const indexes: bigint[] = [];
    for (const a of args.slice(1)) {
      const i = goAtoi(trimSpaces(a));
      if (i === null) throw destinationError(token, MAPPING_ERRORS.invalidArg);
      indexes.push(i);
    }
    return { fn: PARTITION, indexes, int: int32(n), str: '' };
  }

  for (const [re, fn] of INDEX_AND_INT_FUNCTIONS) {
    args = functionArgs(re, token);
    if (args !== null) return indexAndInt(token, args, fn);
  }

  args = functionArgs(RE.split, token);
  if (args !== null) {
    if (args.length < 2) throw destinationError(token, MAPPING_ERRORS.notEnoughArgs);
    if (args.length > 2) throw destinationError(token, MAPPING_ERRORS.tooManyArgs);
    const i = goAtoi(trimSpaces(args[0]!));
    const delimiter = args[1]!;
    if (i === null || delimiter.includes(' ') || delimiter.includes('.')) throw destinationError(token, MAPPING_ERRORS.invalidArg);
    return { fn: SPLIT, indexes: [i], int: -1, str: delimiter };
  }

  args = functionArgs(RE.random, token);
  if (args !== null) {
    if (args.length !== 1) throw destinationError(token, MAPPING_ERRORS.notEnoughArgs);
    const n = goAtoi(trimSpaces(args[0]!));
    if (n === null || n > MAX_INT32) throw destinationError(token, MAPPING_ERRORS.invalidArg);
    return { fn: RANDOM, indexes: [], int: int32(n), str: '' };
  }

  throw destinationError(token, MAPPING_ERRORS.unknownFunction);
}

interface SubjectInfo {
  valid: boolean;
  tokens: string[];
  pwcs: number;
  fwc: boolean;
}

/** nats-server's subjectInfo: non-empty tokens, nothing after '>' (whitespace is not checked). */
function subjectInfo(subject: string): SubjectInfo {
  const tokens = subject.split('.');
  let pwcs = 0;
  let fwc = false;
  if (subject === '') return { valid: false, tokens, pwcs, fwc };
  for (const t of tokens) {
    if (t.length === 0 || fwc) return { valid: false, tokens, pwcs, fwc };
    if (t === FULL_WILDCARD) fwc = true;
    else if (t === SINGLE_WILDCARD) pwcs++;
  }
  return { valid: true, tokens, pwcs, fwc };
}

/** One compiled destination token. */
interface DestToken {
  readonly fn: number;
  /** The literal text (fn NONE). */
  readonly text: string;
  /** Indexes of the source tokens the function reads. */
  readonly sources: readonly number[];
  readonly int: number;
  readonly str: string;
}

export class SubjectTransform {
  /** Source tokens (a source with no wildcard is matched literally by the mapping set). */
  readonly sourceTokens: readonly string[];
  private readonly dest: readonly DestToken[];
  private readonly trailingFwc: boolean;
  /** The destination uses {{random()}}: results may not be cached. */
  readonly random: boolean;

  private constructor(readonly source: string, readonly destination: string, sourceTokens: string[], dest: DestToken[]) {
    this.sourceTokens = sourceTokens;
    this.dest = dest;
    this.trailingFwc = dest[dest.length - 1]!.text === FULL_WILDCARD;
    this.random = dest.some((d) => d.fn === RANDOM);
  }

  /**
   * Validates and compiles a transform as nats-server's ValidateMapping, then
   * NewSubjectTransform, do for a mapping destination. Throws SubjectTransformError.
   * An empty destination is refused: nats-server accepts it and then dereferences a nil
   * transform on the first publish (v2.15.2 panics in selectMappedSubject).
   */
  static compile(source: string, destination: string): SubjectTransform {
    if (destination === '') throw destinationError('', MAPPING_ERRORS.invalidTransform);
    validateDestination(destination);
    return SubjectTransform.build(source, destination);
  }

  private static build(source: string, destination: string): SubjectTransform {
    const src = source === '' ? FULL_WILDCARD : source;
    const s = subjectInfo(src);
    const d = subjectInfo(destination);
    if (!s.valid || !d.valid || d.pwcs > 0 || s.fwc !== d.fwc) throw new SubjectTransformError(MAPPING_ERRORS.badSubject);
    const out: DestToken[] = [];
    if (s.pwcs > 0 || s.fwc) {
      // Token index of each '*' of the source, by its 1-based ordinal.
      const wildcardAt: number[] = [];
      s.tokens.forEach((t, i) => {
        if (t === SINGLE_WILDCARD) wildcardAt.push(i);
      });
      for (const token of d.tokens) {
        const ph = placeholder(token);
        if (ph.fn === NONE || ph.fn === RANDOM) {
          out.push({ fn: ph.fn, text: token, sources: [], int: ph.int, str: '' });
          continue;
        }
        const sources: number[] = [];
        for (const ordinal of ph.indexes) {
          if (ordinal > BigInt(s.pwcs)) throw destinationError(`${token}: [${ordinal}]`, MAPPING_ERRORS.indexOutOfRange);
          // nats-server looks ordinals up in a map whose missing keys read as 0: token 0.
          sources.push(ordinal >= 1n ? wildcardAt[Number(ordinal) - 1]! : 0);
        }
        out.push({ fn: ph.fn, text: token, sources, int: ph.int, str: ph.str });
      }
    } else {
      // A literal source: only random() and partition() (over the whole subject) make sense.
      for (const token of d.tokens) {
        const ph = placeholder(token);
        if (ph.fn === NONE || ph.fn === RANDOM || ph.fn === PARTITION) out.push({ fn: ph.fn, text: token, sources: [], int: ph.int, str: '' });
        else throw destinationError(token, MAPPING_ERRORS.indexOutOfRange);
      }
    }
    return new SubjectTransform(src, destination, s.tokens, out);
  }

  /**
   * The destination for a subject the source matched, given as its tokens. `subject` is the
   * tokens joined (passed to spare the join); nats-server hashes the tokens it was given, which
   * for a literal mapping met first are none (see SubjectMapping).
   */
  apply(tokens: readonly string[], subject: string, random: () => number = Math.random): string {
    let b = '';
    const dest = this.dest;
    const last = dest.length - 1;
    for (let i = 0; i <= last; i++) {
      const d = dest[i]!;
      switch (d.fn) {
        case NONE:
          if (d.text === FULL_WILDCARD) {
            i = last; // the remaining source tokens are appended below
            continue;
          }
          b += d.text;
          break;
        case PARTITION: {
          let h = FNV_OFFSET;
          if (d.sources.length > 0) {
            for (const s of d.sources) h = fnv1a(h, tokens[s]!);
          } else if (tokens.length > 0) {
            h = fnv1a(h, subject);
          }
          // Go: h % uint32(n); n is an int32 that may be negative (it wraps) or 0 ("0").
          const n = d.int >>> 0;
          b += n === 0 ? '0' : String((h >>> 0) % n);
          break;
        }
        case WILDCARD: {
          const s = d.sources[0]!;
          if (s < tokens.length) b += tokens[s]!;
          break;
        }
        case SPLIT_FROM_LEFT: {
          const t = tokens[d.sources[0]!]!;
          const p = d.int;
          b += p > 0 && p < t.length ? t.slice(0, p) + '.' + t.slice(p) : t;
          break;
        }
        case SPLIT_FROM_RIGHT: {
          const t = tokens[d.sources[0]!]!;
          const p = d.int;
          b += p > 0 && p < t.length ? t.slice(0, t.length - p) + '.' + t.slice(t.length - p) : t;
          break;
        }
        case SLICE_FROM_LEFT:
          b += sliceFromLeft(tokens[d.sources[0]!]!, d.int);
          break;
        case SLICE_FROM_RIGHT:
          b += sliceFromRight(tokens[d.sources[0]!]!, d.int);
          break;
        case SPLIT:
          b += split(tokens[d.sources[0]!]!, d.str);
          break;
        case LEFT: {
          const t = tokens[d.sources[0]!]!;
          b += d.int > 0 && d.int < t.length ? t.slice(0, d.int) : t;
          break;
        }
        case RIGHT: {
          const t = tokens[d.sources[0]!]!;
          b += d.int > 0 && d.int < t.length ? t.slice(t.length - d.int) : t;
          break;
        }
        case RANDOM:
          // Go: int(rand.Int32()) % n, the sign of the dividend (never negative); n 0 gives "0".
          b += d.int === 0 ? '0' : String(Math.floor(random() * 2 ** 31) % d.int);
          break;
      }
      if (i < last) b += '.';
    }
    if (this.trailingFwc) {
      for (let i = this.sourceTokens.length - 1; i < tokens.length; i++) {
        b += tokens[i]!;
        if (i < tokens.length - 1) b += '.';
      }
    }
    return b;
  }
}

/** ValidateMapping's checks on the destination's tokens, before the transform is built. */
function validateDestination(destination: string): void {
  let sawFwc = false;
  for (const t of destination.split('.')) {
    if (t.length === 0 || sawFwc) throw destinationError(t, MAPPING_ERRORS.invalidTransform);
    if (isMustache(t)) {
      if (!Object.values(RE).some((re) => re.test(t))) throw destinationError(t, MAPPING_ERRORS.unknownFunction);
      continue;
    }
    if (t === FULL_WILDCARD) sawFwc = true;
    else if (WHITESPACE.test(t)) throw new SubjectTransformError(MAPPING_ERRORS.invalidTransform);
  }
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a 32 over the bytes of a byte string, continuing from `h` (Go's hash/fnv New32a). */
export function fnv1a(h: number, bytes: string): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes.charCodeAt(i) & 0xff), 0x01000193) >>> 0;
  return h;
}

function sliceFromLeft(t: string, size: number): string {
  if (!(size > 0 && size < t.length)) return t;
  let b = '';
  for (let i = 0; i + size <= t.length; i += size) {
    if (i !== 0) b += '.';
    b += t.slice(i, i + size);
    if (i + size !== t.length && i + size + size > t.length) {
      b += '.' + t.slice(i + size);
      break;
    }
  }
  return b;
}

function sliceFromRight(t: string, size: number): string {
  if (!(size > 0 && size < t.length)) return t;
  let b = '';
  const remainder = t.length % size;
  if (remainder > 0) b += t.slice(0, remainder) + '.';
  for (let i = remainder; i + size <= t.length; i += size) {
    b += t.slice(i, i + size);
    if (i + size < t.length) b += '.';
  }
  return b;
}

/** {{split(i, delimiter)}}: the pieces joined by '.', empty pieces dropped as nats-server does. */
function split(t: string, delimiter: string): string {
  const pieces = delimiter === '' ? utf8Sequences(t) : t.split(delimiter);
  let b = '';
  for (let j = 0; j < pieces.length; j++) {
    const p = pieces[j]!;
    if (p !== '') b += p;
    if (j < pieces.length - 1 && pieces[j + 1] !== '' && !(j === 0 && p === '')) b += '.';
  }
  return b;
}

/**
 * Go's strings.Split(s, ""): one piece per UTF-8 sequence of the byte string, an invalid byte
 * being a piece of its own (utf8.DecodeRuneInString's rules).
 */
function utf8Sequences(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const n = utf8Length(s, i);
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

function utf8Length(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const c = s.charCodeAt(i + k);
    return i + k < s.length && c >= lo && c <= hi;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 1;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlongs (E0 A0..), no surrogates (ED ..9F).
    const ok1 = b0 === 0xe0 ? cont(1, 0xa0) : b0 === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 1;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const ok1 = b0 === 0xf0 ? cont(1, 0x90) : b0 === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 1;
  }
  return 1;
}

/** nats-server's transformTokenize: 'foo.*.*' -> 'foo.$1.$2' (the identity destination). */
export function identityDestination(source: string): string {
  let n = 0;
  return source
    .split('.')
    .map((t) => (t === SINGLE_WILDCARD ? `$${++n}` : t))
    .join('.');
}
