// Byte-level parser of the NATS client protocol (client to server direction).
//
// It scans each read buffer for control lines with Buffer.indexOf (native), splits arguments
// by byte offsets, and hands payloads to the handler as subarrays of the read buffer, so a
// message that fits in one read costs no copy. Only a control line or payload split across
// reads is copied, into a buffer sized by the declared length (after the max-payload check,
// so a lying size cannot make us allocate more than max_payload).
//
// Operations are matched case-insensitively, arguments split on spaces and tabs, and lines
// may end in CRLF or LF, all as nats-server's parser accepts them.

import { joinReads } from '../util/shared-read.js';

export type ProtocolError =
  /** An operation name that is not part of the protocol: -ERR, then close. */
  | 'unknown-operation'
  /** A control line longer than the limit: -ERR, then close. */
  | 'max-control-line'
  /** An operation other than CONNECT before authentication: -ERR, then close. */
  | 'auth-violation'
  /** Malformed arguments of a known operation: nats-server closes without an -ERR. */
  | 'bad-arguments'
  /** A declared payload larger than max_payload: -ERR, then close. */
  | 'max-payload';

export interface ParserHandler {
  /** True while the connection still owes a CONNECT to authenticate. */
  awaitingAuth(): boolean;
  /** Returns false to pause parsing until `resume()` (an asynchronous credential check). */
  onConnect(json: string): boolean;
  /**
   * Called when a PUB/HPUB line is complete, before its payload arrives. Returns false when
   * the size is refused (the handler has dealt with the error).
   */
  onPublishHeader(subject: string, size: number, withHeaders: boolean): boolean;
  /**
   * A complete message: its payload (headers included) is `buf[start, end)`, valid during the
   * call only. A range rather than a view, so that a message nobody receives costs no Buffer
   * object (the handler makes the view when it routes the message).
   */
  onPublish(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): void;
  onSubscribe(subject: string, queue: string | undefined, sid: string): void;
  onUnsubscribe(sid: string, max: number): void;
  onPing(): void;
  onPong(): void;
  onOk(): void;
  onErr(text: string): void;
  onInfo(json: string): void;
  onProtocolError(error: ProtocolError, detail: string): void;
}

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;

/** Sizes are at most 9 digits, as in nats-server; anything else is malformed. */
function parseSize(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const enum Op {
  Pub,
  HPub,
  Sub,
  Unsub,
  Connect,
  Ping,
  Pong,
  Ok,
  Err,
  Info,
}

/** Names of operations that take arguments after a space or tab. */
const ARG_OPS: readonly [string, Op][] = [
  ['PUB', Op.Pub],
  ['HPUB', Op.HPub],
  ['SUB', Op.Sub],
  ['UNSUB', Op.Unsub],
  ['INFO', Op.Info],
  ['-ERR', Op.Err],
];
/**
 * Operations recognised by their name alone: for PING, PONG and +OK anything up to the newline
 * is ignored; for CONNECT the rest of the line, spaces trimmed, is its JSON (nats-server does
 * not require the space, and a CONNECT without JSON fails as bad JSON, not as unknown).
 */
const BARE_OPS: readonly [string, Op][] = [
  ['CONNECT', Op.Connect],
  ['PING', Op.Ping],
  ['PONG', Op.Pong],
  ['+OK', Op.Ok],
];

function upper(b: number): number {
  return b >= 97 && b <= 122 ? b - 32 : b;
}

/** Compares buf[start..] with an upper-case ASCII name, case-insensitively. */
function startsWithName(buf: Buffer, start: number, end: number, name: string): boolean {
  if (end - start < name.length) return false;
  for (let i = 0; i < name.length; i++) if (upper(buf[start + i]!) !== name.charCodeAt(i)) return false;
  return true;
}

export class NatsParser {
  /** Unconsumed bytes: a partial control line, or what was left when parsing paused. */
  private held: Buffer | null = null;
  /** Payload being assembled across reads (declared size + CRLF). */
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private pubSubject = '';
  private pubReply: string | undefined = undefined;
  private pubHdrLen = 0;
  private paused = false;
  private lastSubject = '';
  private lastSubjectLen = -1;
  private readonly lastSubjectBytes = Buffer.alloc(256);
  private failed = false;
  /** Byte offsets of up to 5 arguments of the current line. */
  private readonly argStart = new Int32Array(6);
  private readonly argEnd = new Int32Array(6);

  constructor(
    private readonly handler: ParserHandler,
    private readonly maxControlLine: number,
  ) {}

  /** Parses one read. Bytes past a pause or an incomplete line are held for the next call. */
  parse(chunk: Buffer): void {
    if (this.failed) return;
    let buf = chunk;
    if (this.held !== null) {
      buf = chunk.length === 0 ? this.held : joinReads(this.held, chunk);
      this.held = null;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      if (this.paused) {
        this.held = Buffer.from(buf.subarray(pos));
        return;
      }
      if (this.payload !== null) {
        pos = this.continuePayload(buf, pos);
        continue;
      }
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.holdPartialLine(buf, pos);
        return;
      }
      pos = this.controlLine(buf, pos, nl);
      if (pos < 0) return; // failed
    }
  }

  /** Continues after onConnect() returned false. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.held !== null) this.parse(Buffer.alloc(0));
  }

  private fail(error: ProtocolError, detail: string): -1 {
    this.failed = true;
    this.held = null;
    this.payload = null;
    this.handler.onProtocolError(error, detail);
    return -1;
  }

  private holdPartialLine(buf: Buffer, pos: number): void {
    // Judge the operation name now, as nats-server does byte by byte, so that garbage is
    // refused at once instead of after the client happens to send a newline.
    const verdict = this.partialOpVerdict(buf, pos, buf.length);
    if (verdict !== null) {
      this.fail(verdict, 'partial line');
      return;
    }
    if (buf.length - pos > this.maxControlLine + 16) {
      this.fail('max-control-line', `partial line of ${buf.length - pos} bytes`);
      return;
    }
    this.held = Buffer.from(buf.subarray(pos));
  }

  /** null when the bytes can still become a valid operation. */
  private partialOpVerdict(buf: Buffer, start: number, end: number): ProtocolError | null {
    if (end === start) return null;
    const first = upper(buf[start]!);
    if (first !== 67 /* C */ && this.handler.awaitingAuth()) return 'auth-violation';
    let n = 0;
    while (start + n < end && n < 8 && buf[start + n] !== SPACE && buf[start + n] !== TAB && buf[start + n] !== CR) n++;
    const reachedSeparator = start + n < end;
    for (const [name] of ARG_OPS) {
      if (!prefixMatches(buf, start, n, name)) continue;
      if (n === name.length || !reachedSeparator) return null;
    }
    for (const [name] of BARE_OPS) {
      if (n >= name.length ? prefixMatches(buf, start, name.length, name) : !reachedSeparator && prefixMatches(buf, start, n, name)) {
        return null;
      }
    }
    return 'unknown-operation';
  }

  private controlLine(buf: Buffer, start: number, nl: number): number {
    const next = nl + 1;
    let end = nl;
    if (end > start && buf[end - 1] === CR) end--;
    if (start === end) return this.fail('unknown-operation', 'empty line');
    const first = upper(buf[start]!);
    if (first !== 67 /* C */ && this.handler.awaitingAuth()) return this.fail('auth-violation', 'operation before CONNECT');

    let op = -1;
    let argsAt = -1;
    // Fast path for the hottest line: "PUB " (any case).
    if (first === 80 && end - start > 4 && upper(buf[start + 1]!) === 85 && upper(buf[start + 2]!) === 66) {
      const sep = buf[start + 3];
      if (sep === SPACE || sep === TAB) return this.publishLine(buf, start + 3, end, next, false, end - start - 3);
    }
    for (const [name, code] of ARG_OPS) {
      if (startsWithName(buf, start, end, name)) {
        const sep = buf[start + name.length];
        if (start + name.length < end && (sep === SPACE || sep === TAB)) {
          op = code;
          argsAt = start + name.length;
          break;
        }
        // "PUB" is also a prefix of nothing else, but "SUB" vs "SUBX": fall through to fail.
      }
    }
    if (op < 0) {
      for (const [name, code] of BARE_OPS) {
        if (startsWithName(buf, start, nl, name)) {
          op = code;
          argsAt = start + name.length;
          break;
        }
      }
    }
    if (op < 0) return this.fail('unknown-operation', buf.toString('latin1', start, Math.min(end, start + 32)));
    const hasArgs = op !== Op.Ping && op !== Op.Pong && op !== Op.Ok;
    if (hasArgs && end - argsAt > this.maxControlLine) {
      return this.fail('max-control-line', `line of ${end - start} bytes`);
    }

    switch (op as Op) {
      case Op.Pub:
      case Op.HPub:
        return this.publishLine(buf, argsAt, end, next, op === Op.HPub, end - argsAt);
      case Op.Sub: {
        const n = this.splitArgs(buf, argsAt, end, 3);
        if (n !== 2 && n !== 3) return this.fail('bad-arguments', 'SUB');
        const subject = buf.toString('latin1', this.argStart[0]!, this.argEnd[0]!);
        const queue = n === 3 ? buf.toString('latin1', this.argStart[1]!, this.argEnd[1]!) : undefined;
        const sid = buf.toString('latin1', this.argStart[n - 1]!, this.argEnd[n - 1]!);
        this.handler.onSubscribe(subject, queue, sid);
        return next;
      }
      case Op.Unsub: {
        const n = this.splitArgs(buf, argsAt, end, 2);
        if (n !== 1 && n !== 2) return this.fail('bad-arguments', 'UNSUB');
        const sid = buf.toString('latin1', this.argStart[0]!, this.argEnd[0]!);
        const max = n === 2 ? parseSize(buf, this.argStart[1]!, this.argEnd[1]!) : -1;
        this.handler.onUnsubscribe(sid, max);
        return next;
      }
      case Op.Connect: {
        let from = argsAt;
        while (from < end && (buf[from] === SPACE || buf[from] === TAB)) from++;
        const json = buf.toString('utf8', from, end);
        if (!this.handler.onConnect(json)) this.paused = true;
        return next;
      }
      case Op.Ping:
        this.handler.onPing();
        return next;
      case Op.Pong:
        this.handler.onPong();
        return next;
      case Op.Ok:
        this.handler.onOk();
        return next;
      case Op.Err:
        this.handler.onErr(buf.toString('utf8', argsAt, end).trim());
        return next;
      case Op.Info:
        this.handler.onInfo(buf.toString('utf8', argsAt, end));
        return next;
    }
    return this.fail('unknown-operation', 'unreachable');
  }

  private publishLine(buf: Buffer, argsAt: number, end: number, next: number, withHeaders: boolean, argLen: number): number {
    if (argLen > this.maxControlLine) return this.fail('max-control-line', `line of ${argLen} bytes`);
    const n = this.splitArgs(buf, argsAt, end, 5);
    let subjectAt = 0;
    let replyAt = -1;
    let hdrLen = 0;
    let size: number;
    if (withHeaders) {
      if (n !== 3 && n !== 4) return this.fail('bad-arguments', 'HPUB');
      if (n === 4) replyAt = 1;
      hdrLen = parseSize(buf, this.argStart[n - 2]!, this.argEnd[n - 2]!);
      size = parseSize(buf, this.argStart[n - 1]!, this.argEnd[n - 1]!);
      if (hdrLen < 0 || size < 0 || hdrLen > size) return this.fail('bad-arguments', 'HPUB sizes');
    } else {
      if (n !== 2 && n !== 3) return this.fail('bad-arguments', 'PUB');
      if (n === 3) replyAt = 1;
      size = parseSize(buf, this.argStart[n - 1]!, this.argEnd[n - 1]!);
      if (size < 0) return this.fail('bad-arguments', 'PUB size');
    }
    const subject = this.subjectString(buf, this.argStart[subjectAt]!, this.argEnd[subjectAt]!);
    if (!this.handler.onPublishHeader(subject, size, withHeaders)) {
      this.failed = true;
      return -1;
    }
    const reply = replyAt >= 0 ? buf.toString('latin1', this.argStart[replyAt]!, this.argEnd[replyAt]!) : undefined;
    // Whole payload and its CRLF in this read: hand out a view, no copy.
    if (next + size + 2 <= buf.length) {
      if (buf[next + size] !== CR || buf[next + size + 1] !== LF) return this.fail('unknown-operation', 'payload not followed by CRLF');
      this.handler.onPublish(subject, reply, hdrLen, buf, next, next + size);
      return next + size + 2;
    }
    this.payload = Buffer.allocUnsafe(size + 2);
    this.payloadFilled = 0;
    this.pubSubject = subject;
    this.pubReply = reply;
    this.pubHdrLen = hdrLen;
    return next;
  }

  private continuePayload(buf: Buffer, pos: number): number {
    const payload = this.payload!;
    const want = payload.length - this.payloadFilled;
    const take = Math.min(want, buf.length - pos);
    buf.copy(payload, this.payloadFilled, pos, pos + take);
    this.payloadFilled += take;
    if (this.payloadFilled < payload.length) return pos + take;
    const size = payload.length - 2;
    this.payload = null;
    if (payload[size] !== CR || payload[size + 1] !== LF) return this.fail('unknown-operation', 'payload not followed by CRLF');
    this.handler.onPublish(this.pubSubject, this.pubReply, this.pubHdrLen, payload, 0, size);
    return pos + take;
  }

  /**
   * A publisher usually repeats its subject: comparing bytes with the previous one and reusing
   * its string saves an allocation and lets the router's Map reuse the string's cached hash.
   */
  private subjectString(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    const last = this.lastSubjectBytes;
    if (len === this.lastSubjectLen) {
      let i = 0;
      while (i < len && last[i] === buf[start + i]) i++;
      if (i === len) return this.lastSubject;
    }
    const s = buf.toString('latin1', start, end);
    if (len <= last.length) {
      buf.copy(last, 0, start, end);
      this.lastSubjectLen = len;
      this.lastSubject = s;
    }
    return s;
  }

  /** Splits arguments on spaces and tabs into argStart/argEnd; returns the count (max+1 = too many). */
  private splitArgs(buf: Buffer, start: number, end: number, max: number): number {
    let n = 0;
    let i = start;
    while (i < end) {
      while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
      if (i >= end) break;
      if (n === max) return max + 1;
      this.argStart[n] = i;
      while (i < end && buf[i] !== SPACE && buf[i] !== TAB) i++;
      this.argEnd[n] = i;
      n++;
    }
    return n;
  }
}

function prefixMatches(buf: Buffer, start: number, n: number, name: string): boolean {
  if (n > name.length) return false;
  for (let i = 0; i < n; i++) if (upper(buf[start + i]!) !== name.charCodeAt(i)) return false;
  return true;
}
