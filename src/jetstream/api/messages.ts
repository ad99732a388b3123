// STREAM.MSG.GET (seq, last_by_subj, next_by_subj) and STREAM.MSG.DELETE (with no_erase), with
// nats-server's checks and errors (fixture msg-get-delete). Messages are answered as
// {"subject","seq","hdrs"(base64, absent without headers),"data"(base64, absent when empty),"time"}.
import type { ApiRoute } from '../api-table.js';
import { decodeOrReply, isEmptyRequest, type JetStreamContext } from '../context.js';
import { jsError } from '../errors.js';
import { goTime } from '../json.js';
import { MsgDeleteRequest, MsgGetRequest } from './schemas.js';

export function messageRoutes(ctx: JetStreamContext): ApiRoute[] {
  return [
    {
      pattern: 'STREAM.MSG.GET.*',
      type: 'stream_msg_get_response',
      async handle(req, reply) {
        const s = ctx.streams.get(req.tokens[3]!);
        if (s === undefined) return reply.error(jsError('JSStreamNotFoundErr'));
        if (isEmptyRequest(req.data)) return reply.error(jsError('JSBadRequestErr'));
        const d = decodeOrReply(ctx, req, reply, MsgGetRequest);
        if (d === null) return;
        const seq = (d['seq'] as number | undefined) ?? 0;
        const last = (d['last_by_subj'] as string | undefined) ?? '';
        const next = (d['next_by_subj'] as string | undefined) ?? '';
        if ((seq > 0 && last !== '') || (seq === 0 && last === '' && next === '') || (next !== '' && last !== '')) return reply.error(jsError('JSBadRequestErr'));
        const m = await s.find({ seq, last_by_subj: last, next_by_subj: next });
        if (m === null) return reply.error(jsError('JSNoMessageFoundErr'));
        reply.ok({
          message: {
            subject: Buffer.from(m.subject, 'latin1').toString('utf8'),
            seq: m.seq,
            hdrs: m.hdr.length > 0 ? m.hdr.toString('base64') : undefined,
            data: m.data.length > 0 ? m.data.toString('base64') : undefined,
            time: goTime(m.time),
          },
        });
      },
    },
    {
      pattern: 'STREAM.MSG.DELETE.*',
      type: 'stream_msg_delete_response',
      async handle(req, reply) {
        const s = ctx.streams.get(req.tokens[3]!);
        if (s === undefined) return reply.error(jsError('JSStreamNotFoundErr'));
        if (isEmptyRequest(req.data)) return reply.error(jsError('JSBadRequestErr'));
        const d = decodeOrReply(ctx, req, reply, MsgDeleteRequest);
        if (d === null) return;
        if (s.config.sealed) return reply.error(jsError('JSStreamSealedErr'));
        if (s.config.deny_delete) return reply.error(jsError('JSStreamMsgDeleteFailedF', { err: 'message delete not permitted' }));
        const seq = (d['seq'] as number | undefined) ?? 0;
        const ok = await s.delete(seq, d['no_erase'] !== true);
        if (!ok) return reply.error(jsError('JSSequenceNotFoundErrF', { seq }));
        reply.ok({ success: true });
      },
    },
  ];
}
