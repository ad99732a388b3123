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

/**
 * Whether a literal subject is matched by a (possibly wildcard) filter. Both are scanned in
 * place, token by token (no split, nothing allocated): consumers and the sublist call this per
 * subject of a stream or per cached subject.
 */
export function subjectMatches(filter: string, subject: string): boolean {
  const fn = filter.length;
  const sn = subject.length;
  let fi = 0;
  let si = 0;
  for (;;) {
    let fe = filter.indexOf(TOKEN_SEPARATOR, fi);
    if (fe < 0) fe = fn;
    // The subject has no token left for this filter token.
    if (si > sn) return false;
    const flen = fe - fi;
    if (flen === 1 && filter.charCodeAt(fi) === 0x3e /* > */) return true;
    let se = subject.indexOf(TOKEN_SEPARATOR, si);
    if (se < 0) se = sn;
    if (!(flen === 1 && filter.charCodeAt(fi) === 0x2a /* * */)) {
      if (se - si !== flen) return false;
      for (let k = 0; k < flen; k++) if (filter.charCodeAt(fi + k) !== subject.charCodeAt(si + k)) return false;
    }
    fi = fe + 1;
    si = se + 1;
    // The filter is done: a match when the subject is done too.
    if (fi > fn) return si > sn;
  }
}
