import { startBroker } from '/work/wt-reliability/dist/src/index.js';
import { configFromFlags } from '/work/wt-reliability/dist/src/config.js';
import { connect, StringCodec } from 'nats';
import { mkdtempSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
const sc = StringCodec();
const storage = process.argv[2] ?? 'local';
const b = await startBroker(configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent', storage, dataDir: mkdtempSync('/tmp/kvd-') }));
const url = `127.0.0.1:${b.ports.nats}`;
const admin = await connect({ servers: url });
await admin.jetstream().views.kv('dbg', { history: 1 });
const ops = [];
let stop = false;
async function client(c) {
  const nc = await connect({ servers: url });
  const kv = await nc.jetstream().views.kv('dbg');
  for (let n = 0; !stop; n++) {
    const call = performance.now();
    if (n % 2 === 0) { const rev = await kv.put('k', sc.encode(`c${c}-${n}`)); ops.push({ c, f: 'put', v: `c${c}-${n}`, rev, call, ret: performance.now() }); }
    else { const e = await kv.get('k'); ops.push({ c, f: 'get', v: e && sc.decode(e.value), rev: e?.revision, call, ret: performance.now() }); }
  }
  await nc.close();
}
setTimeout(() => (stop = true), 2000);
await Promise.all([client(0), client(1), client(2)]);
// stale reads: a get that started after a put with rev r returned, but read rev < r
let maxDone = 0; const puts = ops.filter(o => o.f === 'put').sort((a, b) => a.ret - b.ret);
let bad = 0;
for (const g of ops.filter(o => o.f === 'get')) {
  const before = puts.filter(p => p.ret < g.call);
  const maxRev = Math.max(0, ...before.map(p => p.rev));
  if ((g.rev ?? 0) < maxRev) { if (bad++ < 5) console.log('stale', g, 'latest put done before:', before.find(p => p.rev === maxRev)); }
  const writer = puts.find(p => p.rev === g.rev);
  if (g.rev && writer && writer.v !== g.v) console.log('value/rev mismatch', g, writer);
}
console.log(storage, 'ops', ops.length, 'stale reads', bad);
await admin.close(); await b.close();
