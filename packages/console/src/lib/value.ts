// How a record's key, value and header values are shown: JSON pretty-printed when the bytes
// are JSON, text when they are valid UTF-8 without control characters, hex otherwise; the
// user may switch a value to another view. Works on base64 as the API sends it (DOM-free).

export type ValueView = 'json' | 'text' | 'hex';

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or null when they are not UTF-8 or hold control characters other than tab and newlines. */
export function asText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
}

/** "7b 22 61 22 …", sixteen bytes a line. */
export function asHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${row}`);
  }
  return lines.join('\n');
}

/** The view the console picks by itself for these bytes. */
export function bestView(bytes: Uint8Array): ValueView {
  const text = asText(bytes);
  if (text === null) return 'hex';
  const t = text.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      JSON.parse(t);
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

/** The value rendered in a view; a view that does not fit the bytes falls back to hex (or text for JSON). */
export function render(b64: string | null, view: ValueView): string {
  if (b64 === null) return 'null';
  const bytes = base64ToBytes(b64);
  if (view === 'hex') return asHex(bytes);
  const text = asText(bytes);
  if (text === null) return asHex(bytes);
  if (view === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** A one-line preview (the table cell): text or hex, cut at `max` characters. */
export function preview(b64: string | null, max = 80): string {
  if (b64 === null) return 'null';
  const bytes = base64ToBytes(b64);
  const text = asText(bytes);
  const s = text === null ? asHex(bytes.subarray(0, 32)).replace(/^\S+\s+/gm, '').replace(/\n/g, ' ') : text.replace(/\s+/g, ' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
