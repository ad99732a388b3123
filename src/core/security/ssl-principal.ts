// The principal of a TLS client as Kafka names it: the certificate subject's distinguished name
// in RFC 2253 form (most specific attribute first, "CN=alice,OU=eng,O=Acme,C=US", as Java's
// X500Principal prints it), passed through ssl.principal.mapping.rules: "RULE:regex/replacement/[LU]"
// entries tried in order (a rule applies when its regex matches the whole name), and DEFAULT,
// which keeps the name. A name no rule applies to is refused, as Kafka refuses it.

interface Rule {
  readonly regex: RegExp | null;
  readonly replacement: string;
  readonly caseChange: '' | 'L' | 'U';
}

export class PrincipalMappingError extends Error {
  override name = 'PrincipalMappingError';
}

/** Splits "RULE:a/b/,RULE:c/d/L,DEFAULT" into rules (commas inside a rule's regex are allowed, as in Kafka). */
export function parseMappingRules(text: string): Rule[] {
  const rules: Rule[] = [];
  const re = /\s*(?:(DEFAULT)|RULE:((?:\\\/|[^/])*)\/((?:\\\/|[^/])*)\/([LU]?))\s*(?:,|$)/gy;
  let at = 0;
  const trimmed = text.trim();
  if (trimmed === '') return [{ regex: null, replacement: '', caseChange: '' }];
  re.lastIndex = 0;
  while (at < trimmed.length) {
    re.lastIndex = at;
    const m = re.exec(trimmed);
    if (m === null || m.index !== at || m[0] === '') throw new PrincipalMappingError(`ssl.principal.mapping.rules: cannot read ${JSON.stringify(trimmed.slice(at))}`);
    at = re.lastIndex;
    if (m[1] === 'DEFAULT') rules.push({ regex: null, replacement: '', caseChange: '' });
    else {
      let regex: RegExp;
      try {
        regex = new RegExp(`^(?:${m[2]!.replace(/\\\//g, '/')})$`);
      } catch (e) {
        throw new PrincipalMappingError(`ssl.principal.mapping.rules: ${(e as Error).message}`);
      }
      rules.push({ regex, replacement: m[3]!.replace(/\\\//g, '/'), caseChange: (m[4] ?? '') as Rule['caseChange'] });
    }
  }
  return rules;
}

/** The name `dn` maps to under the rules. */
export function mapPrincipalName(dn: string, rules: readonly Rule[]): string {
  for (const rule of rules) {
    if (rule.regex === null) return dn;
    if (!rule.regex.test(dn)) continue;
    const name = dn.replace(rule.regex, rule.replacement);
    return rule.caseChange === 'L' ? name.toLowerCase() : rule.caseChange === 'U' ? name.toUpperCase() : name;
  }
  throw new PrincipalMappingError(`No rules apply to ${dn}, rules ${rules.length}`);
}

function escapeRdnValue(v: string): string {
  let out = v.replace(/([,+"\\<>;])/g, '\\$1');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * RFC 2253 form of a subject as Node prints it (X509Certificate.subject: one "TYPE=value" per
 * line, least specific first).
 */
export function rfc2253(subject: string): string {
  const parts = subject.split('\n').filter((l) => l !== '').map((line) => {
    const eq = line.indexOf('=');
    const type = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.startsWith('"') && value.endsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // keep as printed
      }
    }
    return `${type}=${escapeRdnValue(value)}`;
  });
  return parts.reverse().join(',');
}
