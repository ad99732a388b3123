// Test-only permission sets, and the two servers that enforce them: the reference nats-server
// with the users written into its authorization block, and Wharf's NATS front-end with the same
// users given to its authenticator (Wharf's configuration has no user list yet: the front-end
// is started on its own, with a core router, so that permissions can be tested on the wire).
import { resolveOptions } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { Router } from '../../src/core/routing/router.js';
import type { Permissions, SubjectPermission } from '../../src/core/security/principal.js';
import { UserPasswordAuthenticator, type UserEntry } from '../../src/nats/auth.js';
import { NatsServer } from '../../src/nats/server.js';
import { startNatsServer } from '../support/nats-server.js';
import { LOOPBACK, waitForNatsInfo } from '../support/net.js';
import type { NatsTarget, TargetKind } from '../support/targets.js';

function list(subjects: readonly string[]): string {
  return `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
}

function subjectBlock(p: SubjectPermission): string {
  const parts: string[] = [];
  if (p.allow !== undefined) parts.push(`allow: ${list(p.allow)}`);
  if (p.deny !== undefined) parts.push(`deny: ${list(p.deny)}`);
  return `{ ${parts.join(', ')} }`;
}

function permissionsBlock(p: Permissions): string {
  const parts: string[] = [];
  if (p.publish !== undefined) parts.push(`publish: ${subjectBlock(p.publish)}`);
  if (p.subscribe !== undefined) parts.push(`subscribe: ${subjectBlock(p.subscribe)}`);
  if (p.responses !== undefined) {
    const { maxMsgs, expiresMs } = p.responses;
    parts.push(maxMsgs === 0 && expiresMs === 0 ? 'allow_responses: true' : `allow_responses: { max: ${maxMsgs}, expires: "${expiresMs}ms" }`);
  }
  return `{ ${parts.join(', ')} }`;
}

/** nats-server configuration text with these users (and nothing else). */
export function natsServerUsersConfig(users: readonly UserEntry[]): string {
  const entries = users.map((u) => {
    const perms = u.permissions === undefined ? '' : `, permissions: ${permissionsBlock(u.permissions)}`;
    return `    { user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.pass)}${perms} }`;
  });
  return `authorization {\n  users = [\n${entries.join('\n')}\n  ]\n}\n`;
}

/** Wharf's NATS front-end alone, on a free loopback port, authenticating these users. */
export async function startWharfWithUsers(users: readonly UserEntry[]): Promise<NatsTarget> {
  const options = resolveOptions({ host: LOOPBACK, nats: { port: 0 }, logLevel: 'silent' });
  const server = new NatsServer(options.nats, new Router(), createLogger('silent'), new UserPasswordAuthenticator(users));
  await server.listen();
  try {
    const info = await waitForNatsInfo(server.port, 5_000);
    return { kind: 'wharf', host: LOOPBACK, port: server.port, httpPort: undefined, info, close: () => server.close() };
  } catch (err) {
    await server.close();
    throw err;
  }
}

export function startTargetWithUsers(kind: TargetKind, users: readonly UserEntry[]): Promise<NatsTarget> {
  if (kind === 'nats-server') return startNatsServer({ config: natsServerUsersConfig(users) });
  return startWharfWithUsers(users);
}
