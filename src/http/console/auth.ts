// The console API's authenticate step. Every API request passes through it before a handler
// runs; today it lets everyone in (the monitoring port is as open as nats-server's). The
// security issue's login plugs in here: an authenticator that reads a session cookie or an
// Authorization header, returns who is asking, or null to answer 401.
import type { IncomingMessage } from 'node:http';

/** Who uses the console; `name` is shown in the app's header once logins exist. */
export interface ConsoleUser {
  name: string;
  /** May change things (create/delete topics, produce, reset offsets); false: read-only. */
  canWrite: boolean;
}

export type ConsoleAuthenticator = (req: IncomingMessage) => ConsoleUser | null | Promise<ConsoleUser | null>;

/** No login configured: everyone may read and change everything. */
export const allowAllConsole: ConsoleAuthenticator = () => ({ name: 'anonymous', canWrite: true });
