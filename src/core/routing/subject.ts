// Subject grammar shared by every front-end: tokens separated by '.', '*' matches one token,
// '>' matches one or more trailing tokens. The rules follow nats-server's so that a subject a
// NATS client may use there is accepted here, and one it rejects is rejected here.

export const TOKEN_SEPARATOR = '.';
export const SINGLE_WILDCARD = '*';
export const FULL_WILDCARD = '>';

function hasWhitespace(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c) return true;
  }
  return false;
}

/** A subject a subscription may use: non-empty tokens, '>' only as the last token. */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0) return false;
  let sawFullWildcard = false;
  let start = 0;
  for (let i = 0; i <= subject.length; i++) {
    if (i < subject.length && subject.charCodeAt(i) !== 0x2e) continue;
    const len = i - start;
    if (len === 0 || sawFullWildcard) return false;
    if (len > 1) {
      if (hasWhitespace(subject.slice(start, i))) return false;
    } else if (subject[start] === FULL_WILDCARD) {
      sawFullWildcard = true;
    } else if (hasWhitespace(subject[start]!)) {
      return false;
    }
    start = i + 1;
  }
  return true;
}

/** A valid subject with no wildcard token, as a publish subject must be in pedantic mode. */
export function isValidLiteralSubject(subject: string): boolean {
  if (!isValidSubject(subject)) return false;
  return !hasWildcardToken(subject);
}

/** True when a token of the subject is exactly '*' or '>' ("foo*" is a literal token). */
export function hasWildcardToken(subject: string): boolean {
  let start = 0;
  for (let i = 0; i <= subject.length; i++) {
    if (i < subject.length && subject.charCodeAt(i) !== 0x2e) continue;
    if (i - start === 1) {
      const c = subject[start];
      if (c === SINGLE_WILDCARD || c === FULL_WILDCARD) return true;
    }
    start = i + 1;
  }
  return false;
}

/** Whether a literal subject is matched by a (possibly wildcard) filter. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(TOKEN_SEPARATOR);
  const s = subject.split(TOKEN_SEPARATOR);
  for (let i = 0; i < f.length; i++) {
    const t = f[i]!;
    if (t === FULL_WILDCARD) return s.length > i;
    if (i >= s.length) return false;
    if (t !== SINGLE_WILDCARD && t !== s[i]) return false;
  }
  return f.length === s.length;
}
