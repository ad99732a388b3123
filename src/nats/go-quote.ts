// Go's %q quoting (strconv.Quote) of a byte string, which nats-server applies to subjects and
// queue names in its permission-violation errors: clients match those texts, so Wharf quotes the
// same way. Input and output are latin1 strings (one character per byte, as the parser decodes
// subjects): printable UTF-8 sequences pass through as their bytes, everything else is escaped.
// Only error paths call this.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function isContinuation(b: number | undefined): boolean {
  return b !== undefined && b >= 0x80 && b <= 0xbf;
}

/**
 * Decodes one UTF-8 sequence at `i` the way Go does (no overlong forms, no surrogates, nothing
 * above U+10FFFF). Returns the code point and its length, or length 0 for an invalid byte.
 */
function decodeRune(bytes: Buffer, i: number): { rune: number; size: number } {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return { rune: b0, size: 1 };
  const b1 = bytes[i + 1];
  if (b0 >= 0xc2 && b0 <= 0xdf && isContinuation(b1)) return { rune: ((b0 & 0x1f) << 6) | (b1! & 0x3f), size: 2 };
  const b2 = bytes[i + 2];
  if (b0 >= 0xe0 && b0 <= 0xef && isContinuation(b1) && isContinuation(b2)) {
    if ((b0 === 0xe0 && b1! < 0xa0) || (b0 === 0xed && b1! > 0x9f)) return { rune: 0, size: 0 };
    return { rune: ((b0 & 0x0f) << 12) | ((b1! & 0x3f) << 6) | (b2! & 0x3f), size: 3 };
  }
  const b3 = bytes[i + 3];
  if (b0 >= 0xf0 && b0 <= 0xf4 && isContinuation(b1) && isContinuation(b2) && isContinuation(b3)) {
    if ((b0 === 0xf0 && b1! < 0x90) || (b0 === 0xf4 && b1! > 0x8f)) return { rune: 0, size: 0 };
    return { rune: ((b0 & 0x07) << 18) | ((b1! & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f), size: 4 };
  }
  return { rune: 0, size: 0 };
}

/** `"` + the escaped bytes + `"`, byte for byte what Go's fmt.Sprintf("%q", s) gives. */
export function goQuote(latin1: string): string {
  const bytes = Buffer.from(latin1, 'latin1');
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const { rune, size } = decodeRune(bytes, i);
    if (size === 0) {
      out += `\\x${hex(bytes[i]!, 2)}`;
      i++;
      continue;
    }
    if (rune === 0x22 || rune === 0x5c) out += `\\${String.fromCharCode(rune)}`;
    else if (rune === 0x20 || PRINTABLE.test(String.fromCodePoint(rune))) out += latin1.slice(i, i + size);
    else if (SHORT_ESCAPES[rune] !== undefined) out += SHORT_ESCAPES[rune];
    else if (rune < 0x20 || rune === 0x7f) out += `\\x${hex(rune, 2)}`;
    else if (rune < 0x10000) out += `\\u${hex(rune, 4)}`;
    else out += `\\U${hex(rune, 8)}`;
    i += size;
  }
  return out + '"';
}
