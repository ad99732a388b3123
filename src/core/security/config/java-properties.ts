// The syntax of Java .properties files (Kafka's server.properties): `key=value`, `key: value` or
// `key value`; `#` and `!` comment lines; a backslash at the end of a line continues it (leading
// blanks of the next line dropped); escapes \t \n \r \f \uXXXX and a backslash before any other
// character keeping that character (so `\=` and `\:` in keys). What the keys mean is read in
// kafka-properties.ts.

export interface Property {
  readonly key: string;
  readonly value: string;
  /** Line of the file the entry starts on, for messages. */
  readonly line: number;
}

function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    if (n === 't') out += '\t';
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 'f') out += '\f';
    else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += n;
  }
  return out;
}

/** Whether a line ends with an odd number of backslashes (a continuation). */
function continues(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The entries of a properties text, in file order (a repeated key: the last one wins for the caller). */
export function parseProperties(text: string): Property[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Property[] = [];
  for (let n = 0; n < lines.length; n++) {
    const start = n + 1;
    let logical = lines[n]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (continues(logical) && n + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++n]!.replace(/^[ \t\f]+/, '');
    }
    if (continues(logical)) logical = logical.slice(0, -1);
    // The key ends at the first unescaped '=', ':' or blank.
    let i = 0;
    while (i < logical.length) {
      const c = logical[i]!;
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      i++;
    }
    const key = unescape(logical.slice(0, i));
    let j = i;
    while (j < logical.length && (logical[j] === ' ' || logical[j] === '\t' || logical[j] === '\f')) j++;
    if (logical[j] === '=' || logical[j] === ':') j++;
    while (j < logical.length && (logical[j] === ' ' || logical[j] === '\t' || logical[j] === '\f')) j++;
    out.push({ key, value: unescape(logical.slice(j)), line: start });
  }
  return out;
}
