// Preloaded into the nats.js (npm `nats` 2.x) test workers by `npm run compat`.
// Many of that suite's tests connect to the public demo server (demo.nats.io:4222). This
// machine has no internet, and the point is to test Wharf: the name demo.nats.io is made to
// resolve to WHARF_DEMO_HOST (default 127.0.0.2), where the compat runner starts a Wharf on
// port 4222. Every other name resolves as usual; no traffic leaves the loopback range.
'use strict';
const dns = require('node:dns');
const net = require('node:net');

const DEMO = 'demo.nats.io';
const target = process.env.WHARF_DEMO_HOST || '127.0.0.2';

const origLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.toLowerCase() === DEMO) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address: target, family: 4 }]) : cb(null, target, 4)));
    return {};
  }
  return origLookup.apply(this, arguments);
};
const origPromLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (typeof hostname === 'string' && hostname.toLowerCase() === DEMO) {
    return options && options.all ? [{ address: target, family: 4 }] : { address: target, family: 4 };
  }
  return origPromLookup.apply(this, arguments);
};
const origResolve4 = dns.resolve4;
dns.resolve4 = function resolve4(hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.toLowerCase() === DEMO) {
    const cb = typeof options === 'function' ? options : callback;
    process.nextTick(() => cb(null, [target]));
    return undefined;
  }
  return origResolve4.apply(this, arguments);
};
const origResolve6 = dns.resolve6;
dns.resolve6 = function resolve6(hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.toLowerCase() === DEMO) {
    const cb = typeof options === 'function' ? options : callback;
    process.nextTick(() => cb(null, []));
    return undefined;
  }
  return origResolve6.apply(this, arguments);
};
const origCreateConnection = net.createConnection;
net.createConnection = net.connect = function createConnection(...args) {
  if (typeof args[0] === 'number' && typeof args[1] === 'string' && args[1].toLowerCase() === DEMO) args[1] = target;
  else if (args[0] && typeof args[0] === 'object' && typeof args[0].host === 'string' && args[0].host.toLowerCase() === DEMO) {
    args[0] = { ...args[0], host: target };
  }
  return origCreateConnection.apply(this, args);
};
