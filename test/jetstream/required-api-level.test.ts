// `Nats-Required-Api-Level` on $JS.API requests, differentially: each API subject requested with
// a level no server has (99), with a value that is no number ("abc": strconv.Atoi fails, so
// nats-server refuses it), and with levels every server has (1, and an empty value: no
// requirement), against nats-server v2.15.2 -js and Wharf, the answers compared byte for byte. A
// refusal is the handler's own response type with 412/10185 and the fields its Go response
// struct always encodes (paging of STREAM.INFO and the lists, `purged`, `paused`/`pause_until`,
// `reset_seq`, `deliver_subject`); pulls and direct gets get the status `412 Required Api Level`;
// the clustering requests answer "clustering required" before looking at the level. The levels
// used are below Wharf's advertised level, so the test holds whichever level it advertises.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { peerSkip } from '../support/peers.js';
import { RawNats } from './support/raw-nats.js';
import { startServerPair, type ServerPair, type Side } from './support/driver.js';

/**
 * The subjects compared. Left out, with the reason: META.LEADER.STEPDOWN and SERVER.REMOVE
 * (nats-server serves them to the system account only: no answer here; Wharf answers every
 * account), CONSUMER.LEADER.STEPDOWN (Wharf has no route for it yet).
 */
const SUBJECTS = [
  'INFO', 'STREAM.CREATE.S', 'STREAM.UPDATE.S', 'STREAM.NAMES', 'STREAM.LIST', 'STREAM.INFO.S', 'STREAM.DELETE.S', 'STREAM.PURGE.S',
  'STREAM.MSG.GET.S', 'STREAM.MSG.DELETE.S', 'STREAM.SNAPSHOT.S', 'STREAM.RESTORE.S', 'STREAM.LEADER.STEPDOWN.S', 'STREAM.PEER.REMOVE.S',
  'CONSUMER.CREATE.S', 'CONSUMER.CREATE.S.c', 'CONSUMER.DURABLE.CREATE.S.c', 'CONSUMER.NAMES.S', 'CONSUMER.LIST.S', 'CONSUMER.INFO.S.c',
  'CONSUMER.DELETE.S.c', 'CONSUMER.PAUSE.S.c', 'CONSUMER.UNPIN.S.c', 'CONSUMER.RESET.S.c', 'DIRECT.GET.S', 'CONSUMER.MSG.NEXT.S.c',
];

describe('Nats-Required-Api-Level on API requests, Wharf against nats-server', { skip: peerSkip('nats-server') }, () => {
  let pair: ServerPair | undefined;
  const answers: Record<Side, Map<string, string>> = { 'nats-server': new Map(), wharf: new Map() };

  before(async () => {
    pair = await startServerPair();
    for (const [side, port] of pair.sides) {
      const nc = await RawNats.open(port);
      try {
        await nc.api('$JS.API.STREAM.CREATE.S', { name: 'S', subjects: ['s.>'], allow_direct: true });
        await nc.api('$JS.API.CONSUMER.CREATE.S.c', { stream_name: 'S', config: { durable_name: 'c', ack_policy: 'explicit' } });
        let n = 0;
        for (const level of ['99', 'abc']) {
          for (const s of SUBJECTS) {
            const got = await nc.request(`$JS.API.${s}`, `_R.${++n}`, Buffer.from('{}'), [['Nats-Required-Api-Level', level]], 1, 5_000);
            const m = got[0];
            answers[side].set(`${level} ${s}`, m === undefined ? '<none>' : `${m.hdr !== null ? m.hdr.split('\r\n')[0] : ''} ${m.payload.toString('utf8')}`);
          }
        }
        // Levels the server has: served (the answers themselves are other tests' business).
        for (const level of ['1', '']) {
          const got = await nc.request('$JS.API.STREAM.INFO.S', `_R.${++n}`, Buffer.from(''), [['Nats-Required-Api-Level', level]], 1, 5_000);
          const j = JSON.parse(got[0]!.payload.toString('utf8')) as { error?: unknown; config?: { name: string } };
          answers[side].set(`${level} served`, JSON.stringify({ error: j.error, name: j.config?.name }));
        }
      } finally {
        nc.close();
      }
    }
  });

  after(async () => {
    await pair?.close();
  });

  it('answers every request as nats-server does', () => {
    const ref = answers['nats-server'];
    for (const [k, v] of ref) assert.equal(answers.wharf.get(k), v, k);
    assert.equal(answers.wharf.size, ref.size);
  });

  it('refuses with 10185 in the route\'s response, 412 statuses for pulls and direct gets', () => {
    const w = answers.wharf;
    assert.match(w.get('99 STREAM.INFO.S')!, /"err_code":10185.*"total":0,"offset":0,"limit":0\}$/);
    assert.match(w.get('abc STREAM.NAMES')!, /"err_code":10185.*"streams":null\}$/);
    assert.match(w.get('99 DIRECT.GET.S')!, /^NATS\/1\.0 412 Required Api Level/);
    assert.match(w.get('99 STREAM.LEADER.STEPDOWN.S')!, /"err_code":10010/);
    assert.equal(w.get('1 served'), JSON.stringify({ name: 'S' }));
  });
});
