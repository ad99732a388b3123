// The configuration pieces of the ntf tester protocol (nats.go v1.53.0's integration tests ask
// an external tester for servers; see ntf-tester.ts): the snippets a create request carries,
// rendered as the small Go-template subset their bodies use, and the nats-server configuration
// the reference backend writes from them. Snippet bodies are templates over the server's data:
// `{{ .Ports.websocket }}`, `{{ .ServerName }}`, `{{ .ClientPort }}`; any other action is refused
// by name, so a test using one fails at once instead of getting a half-rendered configuration.
// The default configuration follows what the protocol's clients rely on: accounts USERS1..USERS5
// (JetStream enabled when the server has it) and $SYS, `system_account: "$SYS"`,
// `no_auth_user: user1`; each of those three lines is one snippet slot that a request may replace.

/** Snippet slots of a create/update request. */
export const SNIPPET_SLOTS = ['accounts', 'system_account', 'authorization', 'tls', 'websocket', 'mqtt', 'leafnode', 'jetstream', 'top'] as const;
export type SnippetSlot = (typeof SNIPPET_SLOTS)[number];

/** A refused request: the text goes to Nats-Service-Error, the code to Nats-Service-Error-Code. */
export class TesterError extends Error {
  constructor(
    message: string,
    readonly code = 400,
  ) {
    super(message);
  }
}

/** What a snippet body may refer to. */
export interface TemplateData {
  serverName: string;
  clientPort: number;
  ports: Record<string, number>;
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Names of `{{ .Ports.X }}` a body refers to: the tester reserves a port for each before rendering. */
export function portNames(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(ACTION)) {
    const p = /^\.Ports\.(\w+)$/.exec(m[1]!);
    if (p) out.push(p[1]!);
  }
  return out;
}

/** Renders `{{ .Ports.X }}`, `{{ .ServerName }}` and `{{ .ClientPort }}`; any other action is refused. */
export function render(body: string, data: TemplateData, where: string): string {
  return body.replace(ACTION, (_all, expr: string) => {
    if (expr === '.ServerName') return data.serverName;
    if (expr === '.ClientPort') return String(data.clientPort);
    const p = /^\.Ports\.(\w+)$/.exec(expr);
    if (p && data.ports[p[1]!] !== undefined) return String(data.ports[p[1]!]);
    throw new TesterError(`${where}: template action {{ ${expr} }} is not supported by this tester`, 501);
  });
}

/** True when a body holds only comments and blank lines: it clears its slot's default. */
export function onlyComments(body: string): boolean {
  return body.split('\n').every((l) => /^\s*(#.*|\/\/.*)?$/.test(l));
}

function defaultAccounts(jetstream: boolean): string {
  const js = jetstream ? ' jetstream: enabled,' : '';
  const users = [1, 2, 3, 4, 5].map((n) => `  USERS${n} {${js} users = [ { user: "user${n}", pass: "password" } ] }`).join('\n');
  return `accounts {\n${users}\n  $SYS { users = [ { user: "system", pass: "password" } ] }\n}`;
}

/** The nats-server configuration of one managed server. */
export function natsServerConfig(o: { data: TemplateData; jetstream: boolean; storeDir: string; snippets: Partial<Record<SnippetSlot, string>>; template?: string }): string {
  const s = (slot: SnippetSlot) => (o.snippets[slot] === undefined ? undefined : render(o.snippets[slot]!, o.data, `snippet ${slot}`));
  if (o.template !== undefined) {
    if (/\{\{\s*(if|range|include|template)\b/.test(o.template)) throw new TesterError('template: control actions (if, range, include) are not supported by this tester', 501);
    return render(o.template, o.data, 'template');
  }
  const L: string[] = [];
  L.push(`server_name: "${o.data.serverName}"`);
  L.push(`listen: "127.0.0.1:${o.data.clientPort}"`);
  if (o.data.ports.monitoring) L.push(`http: "127.0.0.1:${o.data.ports.monitoring}"`);
  const top = s('top');
  if (top !== undefined) L.push(top);
  if (o.jetstream) L.push(`jetstream {\n  store_dir: "${o.storeDir}"\n${s('jetstream') ?? ''}\n}`);
  L.push(s('accounts') ?? defaultAccounts(o.jetstream));
  L.push(s('system_account') ?? 'system_account: "$SYS"');
  L.push(s('authorization') ?? 'no_auth_user: user1');
  for (const slot of ['tls', 'websocket', 'mqtt', 'leafnode'] as const) {
    const b = s(slot);
    if (b !== undefined) L.push(b);
  }
  return `${L.join('\n')}\n`;
}
