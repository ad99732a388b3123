// Who is logged in, for the whole app: the broker's /session answer in a context (the pages read
// the user's rights from it and from each topic's and group's `access`), the login form shown
// when the broker needs a login (a plain form rather than the browser's basic-auth prompt: it
// works the same on a phone and lets the user log out), and the user's badge with "Log out".
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { api, LOGIN_REQUIRED_EVENT, type SessionInfo } from '../api.js';
import { ErrorBox, Loading } from './ui.js';

export const SessionContext = createContext<SessionInfo | null>(null);

/** The session of the app (null before the first answer). */
export function useSession(): SessionInfo | null {
  return useContext(SessionContext);
}

function LoginForm(props: { onLoggedIn: (s: SessionInfo) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      props.onLoggedIn(await api.login({ user: user.trim(), password }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form class="card form login-form" onSubmit={submit} data-testid="login">
        <h1>
          <span aria-hidden="true">⚓</span> Wharf
        </h1>
        <p class="muted">Log in with a NATS user or a Kafka SASL (PLAIN or SCRAM) user. For a NATS token, leave the user empty.</p>
        <label class="wide">
          User
          <input value={user} onInput={(e) => setUser(e.currentTarget.value)} name="login-user" autocomplete="username" autocapitalize="off" autocorrect="off" />
        </label>
        <label class="wide">
          Password
          <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} name="login-password" autocomplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <ErrorBox error={error} />
      </form>
    </div>
  );
}

/** The app behind the login: asks /session, shows the form when needed, provides the session. */
export function SessionGate(props: { children: ComponentChildren }) {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.session().then(
      (s) => {
        setSession(s);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(() => {
    load();
    // A 401 from any page (a session that ended): ask again, which shows the form.
    window.addEventListener(LOGIN_REQUIRED_EVENT, load);
    return () => window.removeEventListener(LOGIN_REQUIRED_EVENT, load);
  }, [load]);
  if (session === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  if (session.user === null) return <LoginForm onLoggedIn={setSession} />;
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

/** The header's user badge: who is logged in, its principal, and Log out when a login is in use. */
export function UserBadge() {
  const s = useSession();
  // Without a login configured there is no one to name and nothing to log out of.
  if (s === null || s.user === null || (!s.loginRequired && s.user.source === 'anonymous')) return null;
  const u = s.user;
  const logout = async () => {
    await api.logout().catch(() => undefined);
    location.reload();
  };
  return (
    <span class="user" data-testid="user">
      <span title={`${u.principal}${u.account !== null ? ` · NATS account ${u.account}` : ''}`}>{u.source === 'anonymous' ? 'anonymous' : u.name}</span>
      {s.loginRequired && (
        <button class="small" onClick={() => void logout()} data-testid="logout">
          Log out
        </button>
      )}
    </span>
  );
}

/** Shown where an action is not offered: why (the principal lacks the right). */
export function NotAllowed(props: { what: string }) {
  const s = useSession();
  return (
    <p class="empty" data-testid="not-allowed">
      {s?.user?.principal ?? 'This user'} may not {props.what}.
    </p>
  );
}
