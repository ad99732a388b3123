// The console's shell: a header with the broker's name and version, the navigation (a side
// bar on a laptop, a scrolling bar on a phone) and the page of the current hash route, behind
// the login form when the broker needs a login (components/session.tsx).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { api } from './api.js';
import { usePoll } from './components/hooks.js';
import { SessionGate, UserBadge } from './components/session.js';
import { parseRoute, href, type Route } from './lib/route.js';
import { GroupPage, GroupsPage } from './pages/groups.js';
import { JetStreamPage } from './pages/jetstream.js';
import { NatsPage } from './pages/nats.js';
import { OverviewPage } from './pages/overview.js';
import { TopicPage } from './pages/topic.js';
import { TopicsPage } from './pages/topics.js';
import { TransactionsPage } from './pages/transactions.js';

const NAV: Array<[Route['page'][], string, string]> = [
  [['overview'], href(), 'Overview'],
  [['topics', 'topic'], href('topics'), 'Topics'],
  [['groups', 'group'], href('groups'), 'Consumer groups'],
  [['jetstream'], href('jetstream'), 'JetStream'],
  [['nats'], href('nats'), 'NATS'],
  [['transactions'], href('transactions'), 'Transactions'],
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Page(props: { route: Route }) {
  const r = props.route;
  switch (r.page) {
    case 'overview':
      return <OverviewPage />;
    case 'topics':
      return <TopicsPage />;
    case 'topic':
      return <TopicPage name={r.topic} tab={r.tab} />;
    case 'groups':
      return <GroupsPage />;
    case 'group':
      return <GroupPage id={r.group} />;
    case 'nats':
      return <NatsPage tab={r.tab} />;
    case 'transactions':
      return <TransactionsPage />;
    case 'jetstream':
      return <JetStreamPage bucket={r.bucket} />;
    case 'notfound':
      return <p class="empty">No page {r.path}.</p>;
  }
}

function App() {
  const route = useRoute();
  const { data: o } = usePoll(() => api.overview(), 10_000);
  useEffect(() => {
    document.title = o !== null ? `Wharf · ${o.serverName.slice(0, 12)}` : 'Wharf';
  }, [o]);
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href={href()}>
          <span class="logo" aria-hidden="true">
            ⚓
          </span>{' '}
          Wharf
        </a>
        <span class="muted top-info">{o !== null ? `v${o.version} · ${o.listeners.map((l) => l.url).join(' · ')}` : ''}</span>
        <UserBadge />
      </header>
      <nav class="side">
        {NAV.map(([pages, link, label]) => (
          <a key={link} href={link} class={pages.includes(route.page) ? 'on' : ''}>
            {label}
          </a>
        ))}
        <a href="../metrics" class="ext">
          /metrics
        </a>
        <a href="../varz" class="ext">
          /varz
        </a>
      </nav>
      <main>
        <Page route={route} />
      </main>
    </div>
  );
}

render(
  <SessionGate>
    <App />
  </SessionGate>,
  document.getElementById('app')!,
);
