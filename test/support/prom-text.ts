// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every
// line must be a comment, a HELP or TYPE line, or a sample `name{labels} value [timestamp]`
// with the format's escapes; a family's TYPE comes before its samples, and the samples of a
// histogram are its _bucket (with le), _sum and _count series. Samples keep their labels, so
// labelled histograms can be read (parse-prometheus-text-format, used beside it to check the
// syntax, folds those into one unlabelled sample).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function parseLabels(s: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels: ${line}`);
    const name = s.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad label name ${name}: ${line}`);
    if (s[eq + 1] !== '"') throw new Error(`label value not quoted: ${line}`);
    let j = eq + 2;
    let value = '';
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        j++;
        value += s[j] === 'n' ? '\n' : s[j];
      } else value += s[j];
    }
    if (j >= s.length) throw new Error(`unterminated label value: ${line}`);
    if (name in out) throw new Error(`label ${name} twice: ${line}`);
    out[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
  }
  return out;
}

/** A value as Prometheus reads it (Go's strconv.ParseFloat: Inf and NaN in any case). */
function parseValue(v: string, line: string): number {
  const lower = v.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value ${v}: ${line}`);
  return Number(v);
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    const direct = families.get(sample);
    if (direct !== undefined && !(direct.type in SUFFIXES && direct.type === 'histogram')) return direct;
    for (const f of families.values()) for (const s of SUFFIXES[f.type] ?? []) if (sample === f.name + s) return f;
    return direct;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name!)) throw new Error(`bad metric name: ${line}`);
      const f = families.get(name!) ?? { name: name!, help: '', type: 'untyped', samples: [] };
      families.set(name!, f);
      if (kind === 'HELP') f.help = rest!;
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type: ${line}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
        f.type = rest!;
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const family = familyOf(m[1]!);
    if (family === undefined) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name: m[1]!, labels: m[3] !== undefined ? parseLabels(m[3], line) : {}, value: parseValue(m[4]!, line) });
  }
  return families;
}
