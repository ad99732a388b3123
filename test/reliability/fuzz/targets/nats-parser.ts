// Fuzz target: the NATS client-protocol parser (src/nats/parser.ts). The input is split into up
// to three reads at positions taken from its first bytes (so lines and payloads spanning reads
// are exercised) and parsed with a handler that accepts everything, as an authenticated client
// would be, or that refuses everything before CONNECT. A protocol error is an answer; any
// exception is a finding.
import { NatsParser, type ParserHandler } from '../../../../src/nats/parser.js';

function handler(auth: boolean): ParserHandler {
  let authed = !auth;
  return {
    awaitingAuth: () => !authed,
    onConnect: () => ((authed = true), true),
    onPublishHeader: (_s, size) => size <= 1 << 20,
    onPublish: () => undefined,
    onSubscribe: () => undefined,
    onUnsubscribe: () => undefined,
    onPing: () => undefined,
    onPong: () => undefined,
    onOk: () => undefined,
    onErr: () => undefined,
    onInfo: () => undefined,
    onProtocolError: () => undefined,
  };
}

export function fuzz(data: Buffer): void {
  if (data.length < 3) return;
  const auth = (data[0]! & 1) === 1;
  const body = data.subarray(3);
  const a = Math.min(body.length, data[1]!);
  const b = Math.min(body.length, a + data[2]!);
  const p = new NatsParser(handler(auth), 4096);
  // Each read is a fresh Buffer, as a socket hands them out.
  p.parse(Buffer.from(body.subarray(0, a)));
  p.parse(Buffer.from(body.subarray(a, b)));
  p.parse(Buffer.from(body.subarray(b)));
}
