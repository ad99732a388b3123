// "/": a small HTML index of the monitoring endpoints, like nats-server's.
import { NATS_COMPAT_VERSION } from '../nats/server.js';
import type { EndpointHandler, MonitorContext } from './server.js';

const ENDPOINTS: readonly [title: string, path: string][] = [
  ['General', '/varz'],
  ['Connections', '/connz'],
  ['Subscriptions', '/subsz'],
  ['Health Probe', '/healthz'],
];

export function rootEndpoint(_ctx: MonitorContext): EndpointHandler {
  const links = ENDPOINTS.map(
    ([title, path], i) => `  <a href=.${path}${i === ENDPOINTS.length - 1 ? ' class=last' : ''}>${title}<span class="endpoint"> ${path}</span></a>`,
  ).join('\n');
  const body = `<html lang="en">
<head>
  <title>Wharf monitoring</title>
  <style type="text/css">
    body { font-family: ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; margin-left: 32px }
    a { display: block; margin-left: 7px; padding-bottom: 6px; color: rgb(72 72 92); text-decoration: none }
    a:hover { font-weight: 600; color: rgb(59 50 202) }
    a.last { padding-bottom: 16px }
    .endpoint { font-size: 12px; color: #999; font-family: monospace; display: none }
    a:hover .endpoint { display: inline }
  </style>
</head>
<body>
  <h1>Wharf</h1>
  <p>NATS-compatible monitoring (nats-server v${NATS_COMPAT_VERSION} protocol)</p>
${links}
  <a href=https://docs.nats.io/running-a-nats-service/nats_admin/monitoring class="help">Help</a>
</body>
</html>
`;
  return () => ({ status: 200, contentType: 'text/html; charset=utf-8', body });
}
