// DIRECT.GET in both forms ($JS.API.DIRECT.GET.<s> with a request, $JS.API.DIRECT.GET.<s>.<subject>
// for the last message on a subject), and the batch and multi_last forms of 2.11: the message
// itself as the reply, its stored headers first, then Nats-Stream, Nats-Subject, Nats-Sequence,
// Nats-Time-Stamp (and in batches Nats-Num-Pending, Nats-Last-Sequence), a 204 EOB status after
// a batch, and nats-server's 404/408/413 statuses (fixture direct-get; a batch that finds
// nothing is "Message Not Found", multi_last's "No Results"). A stream without
// allow_direct declines the subject: the requester gets no-responders, as from nats-server.
import { startTimeMs } from '../../core/streams/go-duration.js';
import { subjectFilter } from '../../core/streams/subject-filter.js';
import type { Stream } from '../../core/streams/stream-view.js';
import type { StoredMessage, SubjectFilter } from '../../core/streams/types.js';
import type { ApiReply, ApiRoute } from '../api-table.js';
import type { JetStreamContext } from '../context.js';
import { decodeGo, goTime } from '../json.js';
import { MsgGetRequest } from './schemas.js';

/** A start_time as the first whole millisecond at or after it (0 when it does not parse). */
function startAt(iso: string): number {
  const t = startTimeMs(iso);
  return Number.isFinite(t) ? t : 0;
}

const MAX_MULTI_LAST = 1024;
const MAX_BATCH = 1024 * 1024;

type Field = readonly [string, string];

const NO_FIELDS: readonly Field[] = [];

function reply(r: ApiReply, stream: string, m: StoredMessage, noHdr: boolean, extra: readonly Field[]): void {
  // The stored headers (without their closing CRLF), then the fields, in one string written
  // once into the reply (a direct get is on the request path of every KV get).
  let head = !noHdr && m.hdr.length > 0 ? m.hdr.toString('latin1', 0, m.hdr.length - 2) : 'NATS/1.0\r\n';
  head += `Nats-Stream: ${stream}\r\nNats-Subject: ${m.subject}\r\nNats-Sequence: ${m.seq}\r\nNats-Time-Stamp: ${goTime(m.time)}\r\n`;
  for (const [k, v] of extra) head += `${k}: ${v}\r\n`;
  r.messageText(`${head}\r\n`, m.data);
}

async function single(r: ApiReply, s: Stream, q: { seq: number; last: string; next: string }, noHdr: boolean): Promise<void> {
  const m = await s.find({ seq: q.seq, last_by_subj: q.last, next_by_subj: q.next });
  if (m === null) return r.status(404, 'Message Not Found');
  reply(r, s.name, m, noHdr, NO_FIELDS);
}

async function batch(r: ApiReply, s: Stream, from: number, count: number, maxBytes: number, filter: SubjectFilter | null, noHdr: boolean): Promise<void> {
  let sent = 0;
  let bytes = 0;
  let lastSent = 0;
  for (let seq = s.nextSeq(from, filter); seq !== 0 && sent < count; seq = s.nextSeq(seq + 1, filter)) {
    const size = s.sizeOf(seq);
    if (sent > 0 && maxBytes > 0 && bytes + size > maxBytes) break;
    const m = await s.get(seq);
    if (m === null) continue;
    const pending = s.count(seq + 1, filter, false);
    reply(r, s.name, m, noHdr, [
      ['Nats-Num-Pending', String(pending)],
      ['Nats-Last-Sequence', String(lastSent)],
    ]);
    sent++;
    bytes += size;
    lastSent = seq;
    if (maxBytes > 0 && bytes >= maxBytes) break;
  }
  // A batch that finds nothing answers as a single get does (nats-server v2.15.2); only
  // multi_last says "No Results" (test/jetstream/direct-get-statuses.test.ts).
  if (sent === 0) return r.status(404, 'Message Not Found');
  r.status(204, 'EOB', [
    ['Nats-Num-Pending', String(s.count(lastSent + 1, filter, false))],
    ['Nats-Last-Sequence', String(lastSent)],
  ]);
}

async function multiLast(r: ApiReply, s: Stream, subjects: readonly string[], upToSeq: number, upToTime: number, count: number, noHdr: boolean): Promise<void> {
  const filter = subjectFilter(subjects);
  let upTo = upToSeq > 0 ? Math.min(upToSeq, s.durableSeq) : s.durableSeq;
  // Only messages stamped before up_to_time (nats-server leaves out the one stamped at it).
  if (upToTime > 0) upTo = Math.min(upTo, (await s.seqForTime(upToTime)) - 1);
  // The last message of each matching subject at or below upTo.
  const found = new Map<string, number>();
  for (let seq = s.nextSeq(s.firstSeq, filter); seq !== 0 && seq <= upTo; seq = s.nextSeq(seq + 1, filter)) {
    const subject = s.subjectOf(seq);
    if (subject !== null) found.set(subject, seq);
  }
  const seqs = [...found.values()].sort((a, b) => a - b);
  if (seqs.length === 0) return r.status(404, 'No Results');
  if (seqs.length > MAX_MULTI_LAST) return r.status(413, 'Too Many Results');
  const n = count > 0 ? Math.min(count, seqs.length) : seqs.length;
  let lastSent = 0;
  for (let i = 0; i < n; i++) {
    const m = await s.get(seqs[i]!);
    if (m === null) continue;
    reply(r, s.name, m, noHdr, [
      ['Nats-Num-Pending', String(seqs.length - i - 1)],
      ['Nats-Last-Sequence', String(lastSent)],
    ]);
    lastSent = m.seq;
  }
  r.status(204, 'EOB', [
    ['Nats-Num-Pending', String(seqs.length - n)],
    ['Nats-Last-Sequence', String(lastSent)],
    ['Nats-UpTo-Sequence', String(upTo)],
  ]);
}

export function directRoutes(ctx: JetStreamContext): ApiRoute[] {
  const accepts = (tokens: readonly string[]): boolean => {
    const s = ctx.streams.get(tokens[2]!);
    return s !== undefined && (s.config.allow_direct || s.config.mirror_direct);
  };
  return [
    {
      pattern: 'DIRECT.GET.*',
      type: 'stream_msg_get_response',
      concurrent: true,
      accepts,
      async handle(req, r) {
        const s = ctx.streams.get(req.tokens[2]!);
        if (s === undefined) return;
        if (req.data.length === 0) return r.status(408, 'Empty Request');
        const d = decodeGo(req.data, MsgGetRequest, { strict: false });
        if (!d.ok) return r.status(408, 'Malformed Request');
        const v = d.value;
        const seq = (v['seq'] as number | undefined) ?? 0;
        const last = (v['last_by_subj'] as string | undefined) ?? '';
        const next = (v['next_by_subj'] as string | undefined) ?? '';
        const count = (v['batch'] as number | undefined) ?? 0;
        const maxBytes = (v['max_bytes'] as number | undefined) ?? 0;
        const startTime = v['start_time'] as string | undefined;
        const multi = (v['multi_last'] as string[] | undefined) ?? [];
        const upToSeq = (v['up_to_seq'] as number | undefined) ?? 0;
        const upToTimeRaw = v['up_to_time'] as string | undefined;
        const noHdr = v['no_hdr'] === true;
        // nats-server's order (processDirectGetRequest): nothing set, then conflicting options.
        if (seq === 0 && last === '' && next === '' && multi.length === 0 && startTime === undefined) return r.status(408, 'Empty Request');
        const conflict =
          (seq > 0 && last !== '') ||
          (seq > 0 && startTime !== undefined) ||
          (startTime !== undefined && last !== '') ||
          (last !== '' && next !== '') ||
          (last !== '' && count > 0) ||
          (last !== '' && multi.length > 0) ||
          (next !== '' && multi.length > 0) ||
          (upToSeq > 0 && upToTimeRaw !== undefined);
        if (conflict) return r.status(408, 'Bad Request');
        // up_to_time as the first whole millisecond at or after it (Wharf stamps whole milliseconds).
        if (multi.length > 0) return multiLast(r, s, multi, upToSeq, upToTimeRaw !== undefined ? startAt(upToTimeRaw) : 0, count, noHdr);
        if (count > 0) {
          let from = Math.max(1, seq);
          if (startTime !== undefined) from = await s.seqForTime(startAt(startTime));
          return batch(r, s, from, Math.min(count, MAX_BATCH), maxBytes, next !== '' ? subjectFilter([next]) : null, noHdr);
        }
        if (startTime !== undefined) {
          const from = await s.seqForTime(startAt(startTime));
          return single(r, s, { seq: from, last: '', next: next !== '' ? next : '>' }, noHdr);
        }
        return single(r, s, { seq, last, next }, noHdr);
      },
    },
    {
      pattern: 'DIRECT.GET.*.>',
      type: 'stream_msg_get_response',
      concurrent: true,
      accepts,
      async handle(req, r) {
        const s = ctx.streams.get(req.tokens[2]!);
        if (s === undefined) return;
        // Tokens are byte strings already (as the Router's subjects are); the subject is the
        // request subject's tail after DIRECT.GET.<stream>. (cut, not joined from its tokens).
        const t = req.tokens;
        let tail = t.length - 4;
        for (let i = 3; i < t.length; i++) tail += t[i]!.length;
        const subject = req.subject.slice(req.subject.length - tail);
        return single(r, s, { seq: 0, last: subject, next: '' }, false);
      },
    },
  ];
}
