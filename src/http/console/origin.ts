// The console API answers only its own pages. Until logins exist everyone who reaches the
// monitoring port may use the console, but a web page elsewhere that the operator happens to
// open must not: its scripts could otherwise read the records of every topic (a cross-origin
// read needs Access-Control-Allow-Origin, which the console's answers never carry) or change
// the broker with a "simple" cross-site POST that needs no preflight (a form or a text/plain
// fetch). So a POST must say it is JSON, which a cross-site page
// cannot send without a preflight this server never approves, and must not come from
// another origin (Origin and Sec-Fetch-Site, which browsers set and pages cannot forge).
// Tools such as curl send neither header and pass.
import type { IncomingHttpHeaders } from 'node:http';

/** Why a changing request is refused, or null when it may go on. */
export function crossSiteRefusal(method: string, headers: IncomingHttpHeaders): string | null {
  // POST is the one changing method a page may send cross-site without a preflight.
  if (method === 'POST' && !/^application\/json\s*(;|$)/i.test(headers['content-type'] ?? '')) return 'send the request as Content-Type: application/json';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return `cross-site request refused (Origin: ${origin})`;
    }
    if (host !== headers.host) return `cross-site request refused (Origin: ${origin})`;
  } else if (origin === 'null') {
    return 'cross-site request refused (Origin: null)';
  }
  return null;
}
