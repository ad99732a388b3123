// The app's routes live in the URL's hash (#/topics/orders), so the broker serves one
// index.html and a reload or a shared link opens the same page (DOM-free).

export type Route =
  | { page: 'overview' }
  | { page: 'topics' }
  | { page: 'topic'; topic: string; tab: string }
  | { page: 'groups' }
  | { page: 'group'; group: string }
  | { page: 'nats'; tab: string }
  | { page: 'transactions' }
  | { page: 'jetstream'; bucket: string | null }
  | { page: 'notfound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const parts = path === '' ? [] : path.split('/').map((p) => decodeURIComponent(p));
  const [first, second, third] = parts;
  switch (first) {
    case undefined:
      return { page: 'overview' };
    case 'topics':
      return second === undefined ? { page: 'topics' } : { page: 'topic', topic: second, tab: third ?? 'messages' };
    case 'groups':
      return second === undefined ? { page: 'groups' } : { page: 'group', group: second };
    case 'nats':
      return { page: 'nats', tab: second ?? 'connections' };
    case 'transactions':
      return { page: 'transactions' };
    case 'jetstream':
      return { page: 'jetstream', bucket: second === 'kv' && third !== undefined ? third : null };
    default:
      return { page: 'notfound', path };
  }
}

/** The hash of a route's page ("#/topics/a%2Fb/configs"). */
export function href(...parts: string[]): string {
  return `#/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
}
