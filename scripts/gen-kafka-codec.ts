/**
 * Generates the Kafka request/response codecs in src/kafka/protocol/messages/ from Apache
 * Kafka's JSON message definitions, and the codecs of the coordinators' records (what Kafka
 * keeps in __consumer_offsets, __transaction_state, __share_group_state) in
 * src/kafka/protocol/records/ from the copy of their definitions in scripts/kafka-records/.
 *
 *   npm run gen:kafka
 *   node dist/scripts/gen-kafka-codec.js [--messages DIR] [--out DIR] [--records DIR] [--records-out DIR] [--check]
 *
 * The definitions are read from ../shared/kafka-protocol/messages relative to the repository
 * root unless --messages or WHARF_KAFKA_MESSAGES says otherwise. They are not committed; the
 * generated TypeScript is. --check regenerates in memory and fails if a committed file differs.
 *
 * What is generated: the APIs clients and admin tools send to a broker, not the inter-broker,
 * controller and KRaft RPCs (the rule, from each definition's "listeners", and its exceptions
 * are under "what is generated" below), and the "data" definitions the front-end uses. --check
 * also fails on a committed file the generator no longer makes.
 *
 * Output: one file per API (request + response types and versioned encode/decode), one per
 * "data" definition (e.g. the consumer protocol's subscription/assignment), index.ts with the
 * ApiKey table, the request/response types by key, the codecs as a table typed by key
 * (apiTable) and by wire number (apis), and the APIs left out (omittedApis), and schema.ts, a
 * compact description of every struct that the codec tests use to build sample values for
 * every version.
 *
 * Code shape (for speed on Produce/Fetch): each struct gets a plain decode function that reads
 * fields into locals and returns one object literal (stable hidden class), and an encode
 * function writing straight into a growable Writer. Version checks are integer compares, and
 * they are left out where the struct is only reachable in versions that make them constant.
 * No closures are created per field or per element.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------- spec model

interface RawField {
  name: string;
  type: string;
  /** absent on fields that give only taggedVersions */
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  mapKey?: boolean;
  entityType?: string;
  about?: string;
  zeroCopy?: boolean;
  fields?: RawField[];
}

interface RawStruct {
  name: string;
  versions: string;
  fields: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data' | 'coordinator-key' | 'coordinator-value';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: RawStruct[];
}

/** Inclusive version range; empty when lo > hi. */
interface Range {
  lo: number;
  hi: number;
}

const EMPTY: Range = { lo: 1, hi: 0 };
const MAXV = 0x7fff;

function parseRange(s: string | undefined): Range {
  if (s === undefined || s === 'none' || s === '') return EMPTY;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: MAXV };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version range ${JSON.stringify(s)}`);
}

const isEmpty = (r: Range) => r.lo > r.hi;
const intersect = (a: Range, b: Range): Range => ({ lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) });
const hull = (a: Range, b: Range): Range =>
  isEmpty(a) ? b : isEmpty(b) ? a : { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
const contains = (outer: Range, inner: Range) => isEmpty(inner) || (outer.lo <= inner.lo && inner.hi <= outer.hi);
/** a minus b, where the result must be a single range (true for Kafka's open-ended tagged ranges). */
function subtract(a: Range, b: Range): Range {
  const i = intersect(a, b);
  if (isEmpty(i)) return a;
  if (i.lo <= a.lo && i.hi >= a.hi) return EMPTY;
  if (i.lo <= a.lo) return { lo: i.hi + 1, hi: a.hi };
  if (i.hi >= a.hi) return { lo: a.lo, hi: i.lo - 1 };
  throw new Error('range difference is not contiguous');
}

/** JSON with // comments (the Kafka files have them); strings may contain "//" (URLs). */
function parseJsonWithComments(text: string): unknown {
  let out = '';
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inStr) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inStr = false;
    } else if (c === '"') {
      inStr = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return JSON.parse(out);
}

// ---------------------------------------------------------------- what is generated

/**
 * Which APIs get a codec: those a client, an admin tool or an operator's tool sends to a broker
 * (what Wharf serves or will serve), never the inter-broker, controller and KRaft RPCs it will
 * not, since Wharf is a single process with no controller quorum and no replication.
 *
 * The rule, from each request definition's "listeners" field: an API is generated when its
 * listeners name "broker" (Kafka's brokers accept it on their client listeners); APIs only a
 * controller accepts (Vote, BrokerRegistration, AlterPartition, Envelope, AllocateProducerIds,
 * ...) and the ZooKeeper-era APIs Kafka 4.0 removed (no listeners, validVersions "none":
 * LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown) are not.
 *
 * The exceptions are APIs that brokers accept but only other brokers send: listed here with the
 * reason. The generator fails when an exception no longer matches the definitions, so the list
 * is revisited with every new Kafka version.
 */
const BROKER_TO_BROKER: ReadonlyMap<string, string> = new Map([
  ['WriteTxnMarkers', 'sent by the transaction coordinator to partition leaders'],
  ['InitializeShareGroupState', 'sent by the share coordinator to the share-group state coordinator'],
  ['ReadShareGroupState', 'sent by share-partition leaders to the share-group state coordinator'],
  ['WriteShareGroupState', 'sent by share-partition leaders to the share-group state coordinator'],
  ['DeleteShareGroupState', 'sent by the group coordinator to the share-group state coordinator'],
  ['ReadShareGroupStateSummary', 'sent by the group coordinator to the share-group state coordinator'],
]);

/**
 * "data" definitions (schemas of byte fields, not APIs) that the front-end uses: the classic
 * consumer protocol's subscription and assignment (JoinGroup/SyncGroup metadata), and the
 * principal that a forwarded request carries (SASL, later). KRaft's records, snapshots and the
 * log's own control-record and aborted-txn layouts are not generated.
 */
const DATA_GENERATED: ReadonlySet<string> = new Set(['ConsumerProtocolSubscription', 'ConsumerProtocolAssignment', 'DefaultPrincipalData']);

/** Why a request definition is left out, or null when it is generated. */
function omission(raw: RawMessage): string | null {
  const base = raw.name.replace(/Request$/, '');
  const listeners = raw.listeners ?? [];
  const exception = BROKER_TO_BROKER.get(base);
  if (exception !== undefined) {
    if (!listeners.includes('broker')) throw new Error(`${base} is listed as broker-to-broker but its listeners are [${listeners.join(', ')}]: drop the exception`);
    return `broker to broker: ${exception}`;
  }
  if (isEmpty(parseRange(raw.validVersions))) return 'removed from Kafka (no valid versions)';
  if (!listeners.includes('broker')) return listeners.length === 0 ? 'no listeners' : `served by the ${listeners.join(', ')} only`;
  return null;
}

// ---------------------------------------------------------------- resolved model

type Prim = 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'string' | 'bytes' | 'uuid' | 'records';
const PRIMS = new Set<string>(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records']);

type FType = { kind: 'prim'; prim: Prim } | { kind: 'struct'; struct: Struct } | { kind: 'array'; elem: FType };

interface Field {
  name: string;
  prop: string;
  type: FType;
  versions: Range;
  /** versions in which the field is positional (versions minus taggedVersions) */
  positional: Range;
  tagged: Range;
  tag: number | undefined;
  nullable: Range;
  /** per-field flexible override (only RequestHeader.ClientId uses "none") */
  flexible: Range | undefined;
  defaultSpec: string | undefined;
  about: string | undefined;
}

interface Struct {
  name: string;
  tsName: string;
  fields: Field[];
  /** versions in which this struct can appear in the message */
  reach: Range;
  usedAsTagged: boolean;
  /** a struct-typed (non-array) field refers to it: absent values get a default object */
  needsDefault: boolean;
}

interface Message {
  raw: RawMessage;
  name: string;
  file: string;
  valid: Range;
  flexible: Range;
  root: Struct;
  structs: Struct[]; // root first, then in definition order
}

const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const kebab = (s: string) =>
  s
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();

function resolveMessage(raw: RawMessage, file: string): Message {
  const valid = parseRange(raw.validVersions);
  const flexible = parseRange(raw.flexibleVersions);
  const structs = new Map<string, Struct>();
  const order: Struct[] = [];
  const pending: { struct: Struct; fields: RawField[] }[] = [];

  const declare = (name: string, tsName: string, fields: RawField[]): Struct => {
    if (structs.has(name)) throw new Error(`${raw.name}: struct ${name} declared twice`);
    const s: Struct = { name, tsName, fields: [], reach: EMPTY, usedAsTagged: false, needsDefault: false };
    structs.set(name, s);
    order.push(s);
    pending.push({ struct: s, fields });
    return s;
  };
  const root = declare(raw.name, raw.name, raw.fields);
  root.reach = valid;
  for (const cs of raw.commonStructs ?? []) declare(cs.name, raw.name + cs.name, cs.fields);
  // Inline struct declarations (fields given on the field itself).
  const collect = (fields: RawField[]) => {
    for (const f of fields) {
      if (!f.fields) continue;
      const tname = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
      if (!structs.has(tname)) declare(tname, raw.name + tname, f.fields);
      collect(f.fields);
    }
  };
  collect(raw.fields);
  for (const cs of raw.commonStructs ?? []) collect(cs.fields);

  const typeOf = (t: string): FType => {
    if (t.startsWith('[]')) return { kind: 'array', elem: typeOf(t.slice(2)) };
    if (PRIMS.has(t)) return { kind: 'prim', prim: t as Prim };
    const s = structs.get(t);
    if (!s) throw new Error(`${raw.name}: unknown type ${t}`);
    return { kind: 'struct', struct: s };
  };
  for (const { struct, fields } of pending) {
    const seen = new Set<string>();
    for (const f of fields) {
      // A field given only taggedVersions exists in those versions (TransactionLogValue's).
      const versions = intersect(parseRange(f.versions ?? f.taggedVersions), valid);
      const tagged = f.tag === undefined ? EMPTY : intersect(parseRange(f.taggedVersions), versions);
      const prop = camel(f.name);
      if (prop === 'unknownTaggedFields' || seen.has(prop)) throw new Error(`${raw.name}: field name clash ${f.name}`);
      seen.add(prop);
      const ft = typeOf(f.type);
      if (ft.kind === 'struct') ft.struct.needsDefault = true;
      struct.fields.push({
        name: f.name,
        prop,
        type: ft,
        versions,
        positional: subtract(versions, tagged),
        tagged,
        tag: f.tag,
        nullable: intersect(parseRange(f.nullableVersions), versions),
        flexible: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
        defaultSpec: f.default === undefined ? undefined : String(f.default),
        about: f.about,
      });
    }
  }
  // Propagate reachability to a fixpoint (common structs may be reached from several places).
  let changed = true;
  while (changed) {
    changed = false;
    for (const s of order) {
      if (isEmpty(s.reach)) continue;
      for (const f of s.fields) {
        const r = intersect(s.reach, f.versions);
        if (isEmpty(r)) continue;
        let t = f.type;
        while (t.kind === 'array') t = t.elem;
        if (t.kind === 'struct') {
          const h = hull(t.struct.reach, r);
          if (h.lo !== t.struct.reach.lo || h.hi !== t.struct.reach.hi) {
            t.struct.reach = h;
            changed = true;
          }
          if (!isEmpty(intersect(r, f.tagged))) t.struct.usedAsTagged = true;
        }
      }
    }
  }
  const names = new Set<string>();
  for (const s of order) {
    if (names.has(s.tsName)) throw new Error(`${raw.name}: type name clash ${s.tsName}`);
    names.add(s.tsName);
  }
  return { raw, name: raw.name, file, valid, flexible, root, structs: order };
}

// ---------------------------------------------------------------- expressions

/** JS condition that `version` is in r, knowing it is in `within`; 'true'/'false' when constant. */
function cond(r: Range, within: Range): string {
  const i = intersect(r, within);
  if (isEmpty(i)) return 'false';
  if (contains(r, within)) return 'true';
  const parts: string[] = [];
  if (i.lo > within.lo) parts.push(`version >= ${i.lo}`);
  if (i.hi < within.hi) parts.push(`version <= ${i.hi}`);
  return parts.join(' && ');
}

/** Chooses between two expressions on a (possibly constant) condition. */
const pick = (c: string, yes: string, no: string) => (c === 'true' ? yes : c === 'false' ? no : `(${c} ? ${yes} : ${no})`);
/** Same for statements. */
const pickStmt = (c: string, yes: string, no: string) =>
  c === 'true' ? yes : c === 'false' ? no : `if (${c}) { ${yes} } else { ${no} }`;

function tsType(t: FType, nullable: boolean): string {
  let base: string;
  if (t.kind === 'array') base = `${tsType(t.elem, false)}[]`;
  else if (t.kind === 'struct') base = t.struct.tsName;
  else {
    switch (t.prim) {
      case 'bool':
        base = 'boolean';
        break;
      case 'int64':
        base = 'bigint';
        break;
      case 'string':
      case 'uuid':
        base = 'string';
        break;
      case 'bytes':
      case 'records':
        base = 'Buffer';
        break;
      default:
        base = 'number';
    }
  }
  return nullable ? `${base} | null` : base;
}

/** Field is nullable in every version where it is present (then its natural default is null). */
const alwaysNullable = (f: Field) => !isEmpty(f.versions) && contains(f.nullable, f.versions);
const everNullable = (f: Field) => !isEmpty(f.nullable);

function parseIntDefault(s: string): number {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const v = /^0x/i.test(body) ? parseInt(body.slice(2), 16) : /^0\d/.test(body) ? parseInt(body, 8) : Number(body);
  if (!Number.isFinite(v)) throw new Error(`bad integer default ${s}`);
  return neg ? -v : v;
}

/** TS expression for the default value of a field (a fresh object for arrays/structs). */
function defaultExpr(f: Field): string {
  const d = f.defaultSpec;
  const t = f.type;
  if (d === 'null') {
    if (!alwaysNullable(f)) throw new Error(`field ${f.name}: default null on a field not always nullable`);
    return 'null';
  }
  if (t.kind === 'array') return '[]';
  if (t.kind === 'struct') return alwaysNullable(f) ? 'null' : `default${t.struct.tsName}()`;
  switch (t.prim) {
    case 'bool':
      return d === undefined || d === '' ? 'false' : String(d === 'true');
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return d === undefined || d === '' ? '0' : String(parseIntDefault(d));
    case 'float64':
      return d === undefined || d === '' ? '0' : String(Number(d));
    case 'int64': {
      if (d === undefined || d === '') return '0n';
      const neg = d.startsWith('-');
      const body = neg ? d.slice(1) : d;
      return `${neg ? '-' : ''}${BigInt(body).toString()}n`;
    }
    case 'string':
      return JSON.stringify(d ?? '');
    case 'uuid':
      return 'ZERO_UUID';
    case 'bytes':
      return 'EMPTY_BYTES';
    case 'records':
      return 'null';
  }
}

/** The value in schema.ts form (data, not code) for the default. */
function defaultData(f: Field): string {
  const e = defaultExpr(f);
  if (e.startsWith('default')) return '"struct"';
  if (e === 'ZERO_UUID') return '"AAAAAAAAAAAAAAAAAAAAAA"';
  if (e === 'EMPTY_BYTES') return '"bytes"';
  return e;
}

// ---------------------------------------------------------------- code emission

class Out {
  lines: string[] = [];
  ind = 0;
  line(s = '') {
    this.lines.push(s === '' ? '' : '  '.repeat(this.ind) + s);
  }
  open(s: string) {
    this.line(s);
    this.ind++;
  }
  close(s = '}') {
    this.ind--;
    this.line(s);
  }
}

let tmpCounter = 0;
const tmp = (p: string) => `${p}${tmpCounter++}`;

/**
 * Statements reading a value of type t into `target` (an assignable expression).
 * flex/nullable are JS conditions ('true'/'false' when constant).
 */
function emitRead(o: Out, t: FType, target: string, flex: string, nullable: string): void {
  if (t.kind === 'prim') {
    let e: string;
    switch (t.prim) {
      case 'string':
        e = pick(nullable, pick(flex, 'r.compactNullableString()', 'r.nullableString()'), pick(flex, 'r.compactString()', 'r.string()'));
        break;
      case 'bytes':
      case 'records':
        e = pick(nullable, pick(flex, 'r.compactNullableBytes()', 'r.nullableBytes()'), pick(flex, 'r.compactBytes()', 'r.bytes()'));
        break;
      default:
        e = `r.${t.prim}()`;
    }
    o.line(`${target} = ${e};`);
    return;
  }
  if (t.kind === 'struct') {
    const call = `decode${t.struct.tsName}(r, version)`;
    if (nullable === 'false') o.line(`${target} = ${call};`);
    else if (nullable === 'true') o.line(`${target} = r.int8() < 0 ? null : ${call};`);
    else o.line(`${target} = ${nullable} && r.int8() < 0 ? null : ${call};`);
    return;
  }
  const n = tmp('n');
  o.line(`const ${n} = r.arrayLength(${flex});`);
  if (nullable === 'false') {
    o.line(`if (${n} < 0) throw new KafkaCodecError('non-nullable array is null');`);
    o.open('{');
  } else {
    o.open(`if (${n} < 0) {`);
    if (nullable !== 'true') o.line(`if (!(${nullable})) throw new KafkaCodecError('non-nullable array is null');`);
    o.line(`${target} = null;`);
    o.close('} else {');
    o.ind++;
  }
  const a = tmp('a');
  o.line(`const ${a}: ${tsType(t.elem, false)}[] = [];`);
  const i = tmp('i');
  if (t.elem.kind === 'struct') {
    o.line(`for (let ${i} = 0; ${i} < ${n}; ${i}++) ${a}.push(decode${t.elem.struct.tsName}(r, version));`);
  } else {
    o.open(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
    const e = tmp('e');
    o.line(`let ${e}: ${tsType(t.elem, false)};`);
    emitRead(o, t.elem, e, flex, 'false');
    o.line(`${a}.push(${e});`);
    o.close();
  }
  o.line(`${target} = ${a};`);
  o.close();
}

/** Statements writing `value` (an expression without side effects) of type t. */
function emitWrite(o: Out, t: FType, value: string, flex: string, nullable: string): void {
  if (t.kind === 'prim') {
    switch (t.prim) {
      case 'string':
        o.line(
          pickStmt(
            nullable,
            pickStmt(flex, `w.compactNullableString(${value});`, `w.nullableString(${value});`),
            pickStmt(flex, `w.compactString(${value}!);`, `w.string(${value}!);`),
          ),
        );
        return;
      case 'bytes':
      case 'records':
        o.line(
          pickStmt(
            nullable,
            pickStmt(flex, `w.compactNullableBytes(${value});`, `w.nullableBytes(${value});`),
            pickStmt(flex, `w.compactBytes(${value}!);`, `w.bytes(${value}!);`),
          ),
        );
        return;
      default:
        o.line(`w.${t.prim}(${value});`);
        return;
    }
  }
  if (t.kind === 'struct') {
    const fn = `encode${t.struct.tsName}`;
    if (nullable === 'false') {
      o.line(`${fn}(w, version, ${value});`);
    } else if (nullable === 'true') {
      // Nullable structs carry a presence byte: -1 for null, 1 for a value.
      o.line(`if (${value} === null) w.int8(-1);`);
      o.line(`else {`);
      o.line(`  w.int8(1);`);
      o.line(`  ${fn}(w, version, ${value}!);`);
      o.line(`}`);
    } else {
      o.line(`if (${nullable}) {`);
      o.line(`  if (${value} === null) w.int8(-1);`);
      o.line(`  else {`);
      o.line(`    w.int8(1);`);
      o.line(`    ${fn}(w, version, ${value}!);`);
      o.line(`  }`);
      o.line(`} else ${fn}(w, version, ${value}!);`);
    }
    return;
  }
  const a = tmp('a');
  o.open('{');
  o.line(`const ${a} = ${value};`);
  if (nullable === 'false') {
    o.line(`if (${a} == null) throw new KafkaCodecError('non-nullable array is null');`);
  } else {
    o.open(`if (${a} === null) {`);
    if (nullable !== 'true') o.line(`if (!(${nullable})) throw new KafkaCodecError('non-nullable array is null');`);
    o.line(`w.arrayLength(-1, ${flex});`);
    o.close('} else {');
    o.ind++;
  }
  o.line(`w.arrayLength(${a}.length, ${flex});`);
  const i = tmp('i');
  if (t.elem.kind === 'struct') {
    o.line(`for (let ${i} = 0; ${i} < ${a}.length; ${i}++) encode${t.elem.struct.tsName}(w, version, ${a}[${i}]!);`);
  } else {
    o.open(`for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {`);
    emitWrite(o, t.elem, `${a}[${i}]!`, flex, 'false');
    o.close();
  }
  if (nullable !== 'false') o.close();
  o.close();
}

/** Condition under which a tagged field's value differs from its default and so is written. */
function nonDefaultCheck(f: Field, v: string): string {
  const d = defaultExpr(f);
  const t = f.type;
  if (d === 'null') return `${v} != null`;
  if (t.kind === 'array') return `${v} !== undefined && (${v} === null || ${v}.length > 0)`;
  if (t.kind === 'struct') return `${v} !== undefined && (${v} === null || !isDefault${t.struct.tsName}(${v}))`;
  if (t.prim === 'bytes') return `${v} !== undefined && (${v} === null || ${v}.length > 0)`;
  return `${v} !== undefined && ${v} !== ${d}`;
}

/** An optional field's value or its default; `??` would wrongly turn an explicit null into it. */
const orDefault = (f: Field) =>
  everNullable(f) ? `v.${f.prop} === undefined ? ${defaultExpr(f)} : v.${f.prop}` : `v.${f.prop} ?? ${defaultExpr(f)}`;

function emitStruct(o: Out, m: Message, s: Struct): void {
  const reach = s.reach;
  const isRoot = s === m.root;
  const flex = cond(m.flexible, reach);
  const canBeFlexible = !isEmpty(intersect(m.flexible, reach));
  const present = s.fields.filter((f) => !isEmpty(intersect(f.versions, reach)));
  const optional = (f: Field) => !contains(f.versions, reach) || !isEmpty(f.tagged);

  // ---- type
  o.line(`export interface ${s.tsName} {`);
  o.ind++;
  for (const f of present) {
    if (f.about) o.line(`/** ${f.about.replace(/\*\//g, '*\\/')} (versions ${fmtRange(f.versions)}${isEmpty(f.tagged) ? '' : `, tag ${f.tag}`}) */`);
    o.line(`${f.prop}${optional(f) ? '?' : ''}: ${tsType(f.type, everNullable(f))};`);
  }
  if (canBeFlexible) {
    o.line('/** Tagged fields this codec does not know, kept to be written back unchanged. */');
    o.line('unknownTaggedFields?: RawTaggedField[];');
  }
  o.ind--;
  o.line('}');
  o.line();

  // ---- default constructor (absent struct fields) and default check (tagged structs)
  if (s.needsDefault) {
    o.open(`function default${s.tsName}(): ${s.tsName} {`);
    o.line(`return { ${present.map((f) => `${f.prop}: ${defaultExpr(f)}`).join(', ')} };`);
    o.close();
    o.line();
  }
  if (s.usedAsTagged) {
    o.open(`function isDefault${s.tsName}(v: ${s.tsName}): boolean {`);
    const checks = present.map((f) => `!(${nonDefaultCheck(f, `v.${f.prop}`)})`);
    checks.push('v.unknownTaggedFields === undefined');
    o.line(`return (\n    ${checks.join(' &&\n    ')}\n  );`);
    o.close();
    o.line();
  }

  // ---- decode
  if (isRoot) o.line(`/** Decodes a ${m.name} (versions ${fmtRange(m.valid)}, flexible ${fmtRange(m.flexible)}). */`);
  o.open(`${isRoot ? 'export ' : ''}function decode${s.tsName}(r: Reader, version: number): ${s.tsName} {`);
  if (flex !== 'true' && flex !== 'false') o.line(`const flex = ${flex};`);
  const flexE = flex === 'true' || flex === 'false' ? flex : 'flex';
  const fieldFlex = (f: Field) => (f.flexible ? cond(intersect(f.flexible, m.flexible), reach) : flexE);
  for (const f of present) {
    const always = cond(f.positional, reach) === 'true';
    // Locals carry a '_' prefix so that fields named like our own variables (Version) can't clash.
    o.line(`let _${f.prop}: ${tsType(f.type, everNullable(f))}${always ? '' : ` = ${defaultExpr(f)}`};`);
  }
  for (const f of present) {
    const c = cond(f.positional, reach);
    if (c === 'false') continue;
    const nul = cond(f.nullable, intersect(reach, f.positional));
    if (c !== 'true') o.open(`if (${c}) {`);
    emitRead(o, f.type, `_${f.prop}`, fieldFlex(f), nul);
    if (c !== 'true') o.close();
  }
  const taggedFields = present.filter((f) => !isEmpty(intersect(f.tagged, reach))).sort((a, b) => a.tag! - b.tag!);
  if (canBeFlexible) {
    o.line('let unknownTaggedFields: RawTaggedField[] | undefined;');
    o.open(flexE === 'true' ? '{' : `if (${flexE}) {`);
    o.line('const tagCount = r.uvarint();');
    o.open('for (let t = 0; t < tagCount; t++) {');
    o.line('const tag = r.uvarint();');
    o.line('const size = r.uvarint();');
    if (taggedFields.length > 0) {
      o.line('const end = r.pos + size;');
      taggedFields.forEach((f, k) => {
        const c = cond(f.tagged, reach);
        o.line(`${k === 0 ? '' : '} else '}if (tag === ${f.tag}${c === 'true' ? '' : ` && ${c}`}) {`);
        o.ind++;
        emitRead(o, f.type, `_${f.prop}`, 'true', cond(f.nullable, intersect(reach, f.tagged)));
        o.ind--;
      });
      o.line('} else {');
      o.line('  (unknownTaggedFields ??= []).push({ tag, data: r.raw(size) });');
      o.line('  continue;');
      o.line('}');
      o.line(`if (r.pos > end) throw new KafkaCodecError('tagged field overran its size');`);
      o.line('r.pos = end;');
    } else {
      o.line('(unknownTaggedFields ??= []).push({ tag, data: r.raw(size) });');
    }
    o.close();
    o.close();
  }
  o.line(`const o: ${s.tsName} = { ${present.map((f) => `${f.prop}: _${f.prop}`).join(', ')} };`);
  if (canBeFlexible) o.line('if (unknownTaggedFields !== undefined) o.unknownTaggedFields = unknownTaggedFields;');
  o.line('return o;');
  o.close();
  o.line();

  // ---- encode
  if (isRoot) o.line(`/** Encodes a ${m.name}. Fields absent from this version are not written. */`);
  o.open(`${isRoot ? 'export ' : ''}function encode${s.tsName}(w: Writer, version: number, v: ${s.tsName}): void {`);
  if (flex !== 'true' && flex !== 'false') o.line(`const flex = ${flex};`);
  for (const f of present) {
    const c = cond(f.positional, reach);
    if (c === 'false') continue;
    const nul = cond(f.nullable, intersect(reach, f.positional));
    if (c !== 'true') o.open(`if (${c}) {`);
    if (optional(f) && f.type.kind !== 'prim') {
      // Evaluate `?? default` once: arrays and structs are read more than once below.
      o.open('{');
      o.line(`const x = ${orDefault(f)};`);
      emitWrite(o, f.type, 'x', fieldFlex(f), nul);
      o.close();
    } else {
      emitWrite(o, f.type, optional(f) ? `(${orDefault(f)})` : `v.${f.prop}`, fieldFlex(f), nul);
    }
    if (c !== 'true') o.close();
  }
  if (canBeFlexible) {
    o.open(flexE === 'true' ? '{' : `if (${flexE}) {`);
    o.line('const unknown = v.unknownTaggedFields;');
    if (taggedFields.length === 0) {
      o.line('if (unknown === undefined) w.uvarint(0);');
      o.line('else {');
      o.line('  w.uvarint(unknown.length);');
      o.line('  for (const f of unknown) w.rawTaggedField(f);');
      o.line('}');
    } else {
      o.line('let tagCount = unknown === undefined ? 0 : unknown.length;');
      const names: { h: string; x: string }[] = [];
      for (const f of taggedFields) {
        const h = tmp('has');
        const x = tmp('t');
        const c = cond(f.tagged, reach);
        o.line(`const ${x} = v.${f.prop};`);
        o.line(`const ${h} = ${c === 'true' ? '' : `${c} && `}${nonDefaultCheck(f, x)};`);
        o.line(`if (${h}) tagCount++;`);
        names.push({ h, x });
      }
      // Known tags in ascending order, then unknown ones (as read; normally newer, higher tags).
      o.line('w.uvarint(tagCount);');
      taggedFields.forEach((f, k) => {
        const { h, x } = names[k]!;
        o.open(`if (${h}) {`);
        o.line(`w.uvarint(${f.tag});`);
        o.line('const mark = w.beginSized();');
        emitWrite(o, f.type, `${x}!`, 'true', cond(f.nullable, intersect(reach, f.tagged)));
        o.line('w.endSized(mark);');
        o.close();
      });
      o.line('if (unknown !== undefined) for (const f of unknown) w.rawTaggedField(f);');
    }
    o.close();
  }
  o.close();
  o.line();
}

const fmtRange = (r: Range) => (isEmpty(r) ? 'none' : r.hi === MAXV ? `${r.lo}+` : r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`);

const HEADER = (sources: string[]) =>
  [
    '// Generated by scripts/gen-kafka-codec.ts from Apache Kafka message definitions',
    `// (${sources.join(', ')}). Do not edit: change the generator and run \`npm run gen:kafka\`.`,
    '/* eslint-disable */',
  ].join('\n');

function fileFor(msgs: Message[], kind: 'api' | 'data'): string {
  const o = new Out();
  o.line(HEADER(msgs.map((m) => m.file)));
  o.line("import { KafkaCodecError } from '../errors.js';");
  o.line("import type { RawTaggedField, Reader } from '../reader.js';");
  o.line("import type { Writer } from '../writer.js';");
  o.line();
  const text0 = msgs.map((m) => m.structs.map((st) => st.fields.map((f) => defaultExprSafe(f)).join(' ')).join(' ')).join(' ');
  if (text0.includes('ZERO_UUID')) o.line("const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';");
  if (text0.includes('EMPTY_BYTES')) o.line('const EMPTY_BYTES: Buffer = Buffer.alloc(0);');
  o.line();
  if (kind === 'api') {
    o.line(`export const API_KEY = ${msgs[0]!.raw.apiKey};`);
    o.line();
  }
  for (const m of msgs) {
    // Leaves first so that each function is declared before it is read (only for readability).
    for (const st of m.structs.slice().reverse()) if (!isEmpty(st.reach)) emitStruct(o, m, st);
  }
  let text = o.lines.join('\n') + '\n';
  // Drop imports a file does not use.
  const body = text.slice(text.indexOf("from '../writer.js';"));
  if (!body.includes('KafkaCodecError')) text = text.replace("import { KafkaCodecError } from '../errors.js';\n", '');
  if (!body.includes('RawTaggedField')) text = text.replace('import type { RawTaggedField, Reader }', 'import type { Reader }');
  return text.replace(/\n{3,}/g, '\n\n');
}

const defaultExprSafe = (f: Field) => {
  try {
    return defaultExpr(f);
  } catch {
    return '';
  }
};

// ---------------------------------------------------------------- schema.ts (for tests/tools)

function schemaFor(all: Message[]): string {
  const o = new Out();
  o.line(HEADER(['all definitions']));
  o.line('// A compact description of every generated struct, so tests and tools can walk values');
  o.line('// version by version without the JSON definitions at hand.');
  o.line();
  o.line("import type { FieldSchema, MessageSchema } from '../schema-types.js';");
  o.line();
  o.line('type F = FieldSchema;');
  o.line('const f = (prop: string, type: string, versions: [number, number], nullable: [number, number] | null, tagged: [number, number] | null, tag: number | null, def: unknown, flexible?: [number, number]): F =>');
  o.line('  flexible ? { prop, type, versions, nullable, tagged, tag, def, flexible } : { prop, type, versions, nullable, tagged, tag, def };');
  o.line();
  o.open('export const messageSchemas: Record<string, MessageSchema> = {');
  const rng = (r: Range) => (isEmpty(r) ? 'null' : `[${r.lo}, ${r.hi}]`);
  const typeName = (t: FType): string => (t.kind === 'array' ? `[]${typeName(t.elem)}` : t.kind === 'struct' ? t.struct.name : t.prim);
  for (const m of all) {
    o.open(`${m.name}: {`);
    o.line(`name: '${m.name}', type: '${m.raw.type}', apiKey: ${m.raw.apiKey ?? 'null'}, valid: ${rng(m.valid)}, flexible: ${rng(m.flexible)},`);
    o.open('structs: {');
    for (const s of m.structs) {
      if (isEmpty(s.reach)) continue;
      o.open(`${JSON.stringify(s.name)}: [`);
      for (const fl of s.fields) {
        if (isEmpty(intersect(fl.versions, s.reach))) continue;
        o.line(
          `f(${JSON.stringify(fl.prop)}, ${JSON.stringify(typeName(fl.type))}, ${rng(fl.versions)}, ${rng(fl.nullable)}, ${rng(fl.tagged)}, ${fl.tag ?? 'null'}, ${defaultData(fl)}${fl.flexible ? `, ${rng(fl.flexible)}` : ''}),`,
        );
      }
      o.close('],');
    }
    o.close('},');
    o.close('},');
  }
  o.close('};');
  return o.lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- index.ts

interface GeneratedApi {
  key: number;
  base: string;
  file: string;
  req: Message;
  res: Message;
}

interface OmittedApi {
  key: number;
  name: string;
  reason: string;
}

function indexFor(apis: GeneratedApi[], data: { file: string; msg: Message }[], omitted: OmittedApi[]): string {
  const o = new Out();
  o.line(HEADER(['all definitions']));
  o.line('// The API key table, request/response types by key, and the codec of every generated API, as');
  o.line('// a table typed by key (apiTable) and as an array indexed by the number on the wire (apis).');
  o.line("import type { Reader } from '../reader.js';");
  o.line("import type { Writer } from '../writer.js';");
  for (const a of apis) {
    o.line(`import { decode${a.req.name}, encode${a.req.name}, decode${a.res.name}, encode${a.res.name} } from './${a.file}.js';`);
    o.line(`import type { ${a.req.name}, ${a.res.name} } from './${a.file}.js';`);
  }
  o.line();
  for (const a of apis) o.line(`export * as ${camel(a.base)} from './${a.file}.js';`);
  for (const d of data) o.line(`export * as ${camel(d.msg.name)} from './${d.file}.js';`);
  for (const a of apis) o.line(`export type { ${a.req.name}, ${a.res.name} } from './${a.file}.js';`);
  o.line();
  o.line('/** The key of every generated API, by name. */');
  o.open('export const ApiKey = {');
  for (const a of apis) o.line(`${a.base}: ${a.key},`);
  o.close('} as const;');
  o.line('export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];');
  o.line();
  o.line('/** Request body type by API key. */');
  o.open('export interface RequestByKey {');
  for (const a of apis) o.line(`${a.key}: ${a.req.name};`);
  o.close();
  o.line('/** Response body type by API key. */');
  o.open('export interface ResponseByKey {');
  for (const a of apis) o.line(`${a.key}: ${a.res.name};`);
  o.close();
  o.line();
  o.open('export interface ApiDescriptor<Req = unknown, Res = unknown> {');
  o.line('key: number;');
  o.line('name: string;');
  o.line('minVersion: number;');
  o.line('/** Highest version in the definitions (see latestVersionUnstable before advertising it). */');
  o.line('maxVersion: number;');
  o.line('/** First flexible version (compact encodings, tagged fields), or -1 if none. */');
  o.line('flexibleVersion: number;');
  o.line('/** Kafka marks the newest version as still under development; brokers do not advertise it. */');
  o.line('latestVersionUnstable: boolean;');
  o.line('/** Deprecated versions as [lo, hi], or null. */');
  o.line('deprecatedVersions: readonly [number, number] | null;');
  o.line("/** Which Kafka processes serve it: 'broker', 'controller'. */");
  o.line('listeners: readonly string[];');
  o.line('decodeRequest(r: Reader, version: number): Req;');
  o.line('encodeRequest(w: Writer, version: number, v: Req): void;');
  o.line('decodeResponse(r: Reader, version: number): Res;');
  o.line('encodeResponse(w: Writer, version: number, v: Res): void;');
  o.close();
  o.line();
  o.line('/** The codec of each API, typed by key: apiTable[k] for a k of type K has the types of K. */');
  o.line('export type ApiTable = { readonly [K in ApiKey]: ApiDescriptor<RequestByKey[K], ResponseByKey[K]> };');
  o.line();
  o.open('export const apiTable: ApiTable = {');
  for (const a of apis) {
    const dep = a.req.raw.deprecatedVersions ? parseRange(a.req.raw.deprecatedVersions) : EMPTY;
    const flexLo = isEmpty(a.req.flexible) ? -1 : a.req.flexible.lo;
    o.line(
      `${a.key}: { key: ${a.key}, name: '${a.base}', minVersion: ${a.req.valid.lo}, maxVersion: ${a.req.valid.hi}, flexibleVersion: ${flexLo}, ` +
        `latestVersionUnstable: ${!!a.req.raw.latestVersionUnstable}, deprecatedVersions: ${isEmpty(dep) ? 'null' : `[${dep.lo}, ${Math.min(dep.hi, a.req.valid.hi)}]`}, ` +
        `listeners: ${JSON.stringify(a.req.raw.listeners ?? [])}, decodeRequest: decode${a.req.name}, encodeRequest: encode${a.req.name}, ` +
        `decodeResponse: decode${a.res.name}, encodeResponse: encode${a.res.name} },`,
    );
  }
  o.close('};');
  o.line();
  o.line('/** Whether `key` (a number read from the wire) is the key of a generated API. */');
  o.open('export function isApiKey(key: number): key is ApiKey {');
  o.line('return Object.hasOwn(apiTable, key);');
  o.close();
  o.line();
  o.line('/** Every generated API, by key (holes are APIs not generated). */');
  o.open('export const apis: readonly (ApiDescriptor | undefined)[] = (() => {');
  o.line('const t: (ApiDescriptor | undefined)[] = [];');
  o.line('for (const a of Object.values(apiTable)) t[a.key] = a;');
  o.line('return t;');
  o.close('})();');
  o.line();
  o.line('/** Typed lookup: the codec of `key` with the request/response types of that key. */');
  o.open('export function api<K extends ApiKey>(key: K): ApiTable[K] {');
  o.line('return apiTable[key];');
  o.close();
  o.line();
  o.line('/**');
  o.line(' * APIs in the definitions that are not generated, and why (see the rule in the generator):');
  o.line(' * inter-broker, controller and KRaft RPCs a single Wharf process never serves.');
  o.line(' */');
  o.open('export const omittedApis: readonly { readonly key: number; readonly name: string; readonly reason: string }[] = [');
  for (const m of omitted) o.line(`{ key: ${m.key}, name: '${m.name}', reason: ${JSON.stringify(m.reason)} },`);
  o.close('];');
  return o.lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- main

// ---------------------------------------------------------------- coordinator records

/**
 * The records Kafka's coordinators keep in `__consumer_offsets`, `__transaction_state` and
 * `__share_group_state` ("coordinator-key"/"coordinator-value" definitions). They are not in
 * ../shared (which has the client protocol only): a copy of the 4.4.0 files is committed in
 * scripts/kafka-records/<coordinator>/, each naming its source. One file per record type (key and value
 * together) in src/kafka/protocol/records/, and index.ts with each type's number (the int16
 * a record's key starts with) and the versions of its key and value.
 */
function recordOutputs(recDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const o = new Out();
  o.line(HEADER(['scripts/kafka-records/*/*.json']));
  o.line("// The coordinator record types, by coordinator: the int16 a record's key starts with (numbered");
  o.line('// per topic), and the versions of its key and value.');
  o.line();
  const tables: string[] = [];
  for (const coordinator of readdirSync(recDir).filter((d) => !d.includes('.')).sort()) {
    const rows = recordsOf(join(recDir, coordinator), coordinator, out);
    for (const r of rows) o.line(`export * as ${camel(r.key.name.replace(/Key$/, ''))} from './${r.file}.js';`);
    const t = new Out();
    t.open(`${JSON.stringify(coordinator)}: {`);
    for (const r of rows) {
      t.line(`${r.key.name.replace(/Key$/, '')}: { type: ${r.type}, keyVersions: [${r.key.valid.lo}, ${r.key.valid.hi}], valueVersions: [${r.value.valid.lo}, ${r.value.valid.hi}] },`);
    }
    t.close('},');
    tables.push(...t.lines.map((l) => '  ' + l));
  }
  o.line();
  o.line('export const RECORD_TYPES = {');
  for (const l of tables) o.line(l);
  o.line('} as const;');
  out.set('index.ts', o.lines.join('\n') + '\n');
  return out;
}

function recordsOf(dir: string, coordinator: string, out: Map<string, string>): { type: number; file: string; key: Message; value: Message }[] {
  const byType = new Map<number, { key?: Message; value?: Message }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const raw = parseJsonWithComments(readFileSync(join(dir, file), 'utf8')) as RawMessage;
    if (raw.type !== 'coordinator-key' && raw.type !== 'coordinator-value') throw new Error(`${file}: not a coordinator record (${raw.type})`);
    if (raw.apiKey === undefined) throw new Error(`${file}: no apiKey (record type)`);
    const m = resolveMessage(raw, file);
    let e = byType.get(raw.apiKey);
    if (!e) byType.set(raw.apiKey, (e = {}));
    const side = raw.type === 'coordinator-key' ? 'key' : 'value';
    if (e[side]) throw new Error(`${coordinator}: record type ${raw.apiKey} has two ${side} definitions`);
    e[side] = m;
  }
  const rows: { type: number; file: string; key: Message; value: Message }[] = [];
  for (const [type, { key, value }] of [...byType].sort((a, b) => a[0] - b[0])) {
    if (!key || !value) throw new Error(`${coordinator}: record type ${type} lacks its ${key ? 'value' : 'key'} definition`);
    const file = kebab(key.name.replace(/Key$/, ''));
    tmpCounter = 0;
    if (out.has(`${file}.ts`)) throw new Error(`${coordinator}: ${file}.ts made twice`);
    out.set(`${file}.ts`, fileFor([key, value], 'data'));
    rows.push({ type, file, key, value });
  }
  return rows;
}

/** Writes (or with check, compares) a folder of generated files; returns how many are stale. */
function sync(outDir: string, outputs: Map<string, string>, check: boolean): number {
  let stale = 0;
  if (!check) mkdirSync(outDir, { recursive: true });
  for (const [name, text] of outputs) {
    const path = join(outDir, name);
    const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (old === text) continue;
    if (check) {
      stale++;
      console.error(`stale: ${path}`);
    } else writeFileSync(path, text);
  }
  // A file the generator no longer makes (an API left out, a renamed one) is stale too: the
  // committed folder must be exactly the generator's output.
  const existing = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts') && !outputs.has(f)) : [];
  for (const f of existing) {
    if (check) {
      stale++;
      console.error(`not generated: ${join(outDir, f)}`);
    } else {
      rmSync(join(outDir, f));
      console.log(`removed ${join(outDir, f)} (no longer generated)`);
    }
  }
  return stale;
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // dist/scripts/gen-kafka-codec.js → repository root is two levels up.
  const here = dirname(fileURLToPath(import.meta.url));
  const root = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
  const msgDir = resolve(arg('--messages') ?? process.env['WHARF_KAFKA_MESSAGES'] ?? join(root, '..', 'shared', 'kafka-protocol', 'messages'));
  const outDir = resolve(arg('--out') ?? join(root, 'src', 'kafka', 'protocol', 'messages'));
  const recDir = resolve(arg('--records') ?? join(root, 'scripts', 'kafka-records'));
  const recOutDir = resolve(arg('--records-out') ?? join(root, 'src', 'kafka', 'protocol', 'records'));
  const check = args.includes('--check');
  if (!existsSync(msgDir)) throw new Error(`message definitions not found at ${msgDir} (use --messages DIR)`);

  const byName = new Map<string, { raw: RawMessage; file: string }>();
  for (const file of readdirSync(msgDir).filter((f) => f.endsWith('.json')).sort()) {
    const raw = parseJsonWithComments(readFileSync(join(msgDir, file), 'utf8')) as RawMessage;
    if (raw.type === 'header') continue; // headers are hand-written in header.ts (few fields, special rules)
    byName.set(raw.name, { raw, file });
  }
  for (const name of BROKER_TO_BROKER.keys()) {
    if (!byName.has(`${name}Request`)) throw new Error(`${name} is listed as broker-to-broker but is not in the definitions: drop the exception`);
  }
  for (const name of DATA_GENERATED) if (!byName.has(name)) throw new Error(`data definition ${name} is not in the definitions`);
  const outputs = new Map<string, string>();
  const apis: GeneratedApi[] = [];
  const omitted: OmittedApi[] = [];
  const data: { file: string; msg: Message }[] = [];
  const generated: Message[] = [];
  for (const { raw, file: source } of byName.values()) {
    if (raw.type === 'request') {
      const base = raw.name.replace(/Request$/, '');
      const resDef = byName.get(base + 'Response');
      if (!resDef) throw new Error(`no response for ${raw.name}`);
      if (resDef.raw.apiKey !== raw.apiKey) throw new Error(`api key mismatch for ${base}`);
      const why = omission(raw);
      if (why !== null) {
        omitted.push({ key: raw.apiKey!, name: base, reason: why });
        continue;
      }
      const m = resolveMessage(raw, source);
      const res = resolveMessage(resDef.raw, resDef.file);
      const file = kebab(base);
      apis.push({ key: raw.apiKey!, base, file, req: m, res });
      generated.push(m, res);
      tmpCounter = 0;
      outputs.set(`${file}.ts`, fileFor([m, res], 'api'));
    } else if (raw.type === 'data' && DATA_GENERATED.has(raw.name)) {
      const m = resolveMessage(raw, source);
      const file = kebab(m.name);
      data.push({ file, msg: m });
      generated.push(m);
      tmpCounter = 0;
      outputs.set(`${file}.ts`, fileFor([m], 'data'));
    }
  }
  apis.sort((a, b) => a.key - b.key);
  omitted.sort((a, b) => a.key - b.key);
  outputs.set('index.ts', indexFor(apis, data, omitted));
  outputs.set('schema.ts', schemaFor(generated));

  let stale = sync(outDir, outputs, check);
  const records = recordOutputs(recDir);
  stale += sync(recOutDir, records, check);
  if (check && stale > 0) {
    console.error(`${stale} file(s) differ from the generator's output: run \`npm run gen:kafka\``);
    process.exit(1);
  }
  console.log(`${check ? 'checked' : 'generated'} ${outputs.size} files (${apis.length} APIs, ${data.length} data types; ${omitted.length} inter-broker/controller APIs left out) from ${msgDir}; ${records.size - 1} coordinator record types from ${recDir}`);
}

main();
