// PubAcks byte for byte as nats-server writes them by hand (server/stream.go): `{"stream":"S","seq":n}`,
// `{"stream":"S","domain":"D","seq":n}` with a JetStream domain, `,"duplicate": true` (with the
// space) for a duplicate, `,"batch":"<id>","count":n` for the commit of an atomic or fast batch, fast batches' flow errors; and publish errors as JSON (`{"error":{...},"stream":"S","seq":0}`).
//
// The publish path calls ack() once per acknowledged publish: the bytes are written into a reused
// scratch buffer (the prefix of each stream encoded once) and handed to Router.route, whose
// receivers copy what they keep (the NATS outbound buffer does), so an ack allocates nothing.
import type { PublishReplies } from '../core/streams/stream-view.js';
import type { JsApiError } from '../core/streams/types.js';
import { goJson } from './json.js';

const DUPLICATE = Buffer.from(',"duplicate": true}', 'latin1');
const CLOSE = 0x7d;

export class PubAckEncoder implements PublishReplies {
  private scratch = Buffer.allocUnsafe(256);
  /** `{"stream":"S"[,"domain":"D"],"seq":` by stream name. */
  private readonly prefixes = new Map<string, Buffer>();
  private readonly domainPart: string;

  constructor(domain?: string) {
    this.domainPart = domain !== undefined && domain !== '' ? `,"domain":${goJson(domain)}` : '';
  }

  private prefix(stream: string): Buffer {
    let p = this.prefixes.get(stream);
    if (p === undefined) {
      if (this.prefixes.size > 4096) this.prefixes.clear();
      p = Buffer.from(`{"stream":${goJson(stream)}${this.domainPart},"seq":`, 'utf8');
      this.prefixes.set(stream, p);
    }
    return p;
  }

  ack(stream: string, seq: number, duplicate: boolean): Buffer {
    const p = this.prefix(stream);
    const need = p.length + 20 + DUPLICATE.length;
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(need * 2);
    const b = this.scratch;
    let at = p.copy(b, 0);
    // The sequence in decimal, without building a string.
    let digits = 1;
    for (let v = seq; v >= 10; v = Math.floor(v / 10)) digits++;
    at += digits;
    for (let v = seq, i = at - 1; digits > 0; digits--, i--, v = Math.floor(v / 10)) b[i] = 48 + (v % 10);
    if (duplicate) at += DUPLICATE.copy(b, at);
    else b[at++] = CLOSE;
    return b.subarray(0, at);
  }

  /** A counter increment: `,"val":"<total>"}` after the sequence (nats-server's %q of the decimal total). */
  counterAck(stream: string, seq: number, val: string): Buffer {
    const head = this.ack(stream, seq, false);
    return Buffer.concat([head.subarray(0, head.length - 1), Buffer.from(`,"val":"${val}"}`, 'latin1')]);
  }

  /** An atomic batch's commit: the PubAck of its last message, with `,"batch":"<id>","count":<n>}` (nats-server's %q of the id). */
  batchAck(stream: string, seq: number, batch: string, count: number): Buffer {
    const head = this.ack(stream, seq, false);
    return Buffer.concat([head.subarray(0, head.length - 1), Buffer.from(`,"batch":${goJson(batch)},"count":${count}}`, 'utf8')]);
  }

  /** A fast batch's duplicate first message: nats-server writes `,"duplicate": true,"batch":"<id>","count":n}` after the sequence. */
  batchDuplicateAck(stream: string, seq: number, batch: string, count: number): Buffer {
    const head = this.ack(stream, seq, false);
    return Buffer.concat([head.subarray(0, head.length - 1), Buffer.from(`,"duplicate": true,"batch":${goJson(batch)},"count":${count}}`, 'utf8')]);
  }

  /** A fast batch's refused message (nats-server's BatchFlowErr). */
  batchFlowError(seq: number, err: JsApiError): Buffer {
    return Buffer.from(goJson({ type: 'err', seq, error: { code: err.code, err_code: err.err_code, description: err.description } }), 'utf8');
  }

  error(stream: string, err: JsApiError): Buffer {
    return Buffer.from(goJson({ error: { code: err.code, err_code: err.err_code, description: err.description }, stream, seq: 0 }), 'utf8');
  }
}
