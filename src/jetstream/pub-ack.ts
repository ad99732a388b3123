// PubAcks byte for byte as nats-server writes them by hand (server/stream.go): `{"stream":"S","seq":n}`,
// `{"stream":"S","domain":"D","seq":n}` with a JetStream domain, `,"duplicate": true` (with the
// space) for a duplicate; and publish errors as JSON (`{"error":{...},"stream":"S","seq":0}`).
// The core's publish path calls this once per acknowledged publish: the ack is written into a
// reused scratch buffer and handed to Router.publish, whose receivers copy what they keep (the
// NATS outbound buffer does), so an ack costs no allocation beyond the bytes on the wire.
import type { PublishReplies } from '../core/streams/stream-view.js';
import type { JsApiError } from '../core/streams/types.js';
import { goJson } from './json.js';

export class PubAckEncoder implements PublishReplies {
  private scratch = Buffer.allocUnsafe(256);
  /** `,"domain":"D"` or '' */
  private readonly domainPart: string;

  constructor(domain?: string) {
    this.domainPart = domain !== undefined && domain !== '' ? `,"domain":${goJson(domain)}` : '';
  }

  ack(stream: string, seq: number, duplicate: boolean): Buffer {
    const text = `{"stream":${goJson(stream)}${this.domainPart},"seq":${seq}${duplicate ? ',"duplicate": true' : ''}}`;
    if (this.scratch.length < text.length * 3) this.scratch = Buffer.allocUnsafe(text.length * 3);
    const n = this.scratch.write(text, 0, 'utf8');
    return this.scratch.subarray(0, n);
  }

  error(stream: string, err: JsApiError): Buffer {
    return Buffer.from(goJson({ error: { code: err.code, err_code: err.err_code, description: err.description }, stream, seq: 0 }), 'utf8');
  }
}
