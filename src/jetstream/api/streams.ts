// STREAM.CREATE/UPDATE/INFO/DELETE/PURGE/NAMES/LIST, and the cluster-only stream operations
// (10010 on one server), with nats-server's request checks, responses and errors
// (server/jetstream_api.go; the captured fixtures stream-create, stream-info-list,
// stream-update-delete, purge, api-misc). SNAPSHOT and RESTORE are api/snapshots.ts.
import type { Stream } from '../../core/streams/stream-view.js';
import type { JsApiError, StreamSource } from '../../core/streams/types.js';
import type { ApiRoute } from '../api-table.js';
import { decodeOrReply, isJsonObjectOrArray, type JetStreamContext } from '../context.js';
import { encodeStreamInfo, type InfoOptions } from '../encode.js';
import { jsError } from '../errors.js';
import type { GoJson } from '../json.js';
import { StreamConfigRequest, StreamInfoRequest, StreamListRequest, StreamNamesRequest, StreamPurgeRequest, UNSUPPORTED_STREAM_FIELDS, streamEnumError, toStreamConfigInput } from './schemas.js';

const NAMES_LIMIT = 1024;
const LIST_LIMIT = 256;
const SUBJECTS_LIMIT = 100_000;

const PAGED_ZERO = { total: 0, offset: 0, limit: 0 };

/** Source and mirror progress for STREAM.INFO (same-server sources: the origin's last sequence). */
function sourceInfo(ctx: JetStreamContext, s: Stream): Pick<InfoOptions, 'mirror' | 'sources'> {
  const cfg = s.config;
  const lagOf = (origin: string): number => s.sourcing.lags.get(origin) ?? 0;
  const out: Pick<InfoOptions, 'mirror' | 'sources'> = {};
  // nats-server's StreamSourceInfo names the external stream (api and deliver prefixes) after the name.
  const external = (src: StreamSource) => (src.external !== undefined ? { api: src.external.api, deliver: src.external.deliver } : undefined);
  // A durable source's setup error (ADR-60: its consumer is missing or has no flow_control ack policy).
  const error = (src: StreamSource) => {
    const e = src.consumer !== undefined ? s.sourcing.errors.get(src.name) : undefined;
    return e === undefined ? undefined : { code: e.code, err_code: e.err_code, description: e.description };
  };
  if (cfg.mirror !== undefined) out.mirror = { name: cfg.mirror.name, external: external(cfg.mirror), lag: lagOf(cfg.mirror.name), active: s.sourceActiveNanos(cfg.mirror.name), error: error(cfg.mirror) };
  if (cfg.sources !== undefined) {
    out.sources = cfg.sources.map((src) => ({
      name: src.name,
      external: external(src),
      lag: lagOf(src.name),
      seq: s.sourceCursor(src.name) || undefined,
      active: s.sourceActiveNanos(src.name),
      error: error(src),
      filter_subject: src.filter_subject || undefined,
      subject_transforms: src.subject_transforms && src.subject_transforms.length > 0 ? src.subject_transforms.map((t) => ({ src: t.src, dest: t.dest })) : undefined,
    }));
  }
  return out;
}

export function infoOf(ctx: JetStreamContext, s: Stream, opts: Partial<InfoOptions> = {}): { [key: string]: GoJson | undefined } {
  return encodeStreamInfo(s, { version: ctx.version, level: ctx.apiLevel, dynamic: true, ...sourceInfo(ctx, s), ...opts });
}

/** The stream named by the last token, or the 10059 error answered. */
function streamOf(ctx: JetStreamContext, tokens: readonly string[]): Stream | undefined {
  return ctx.streams.get(tokens[tokens.length - 1]!);
}

function refused(d: Record<string, unknown>): JsApiError | null {
  for (const k of UNSUPPORTED_STREAM_FIELDS) {
    const v = d[k];
    if (v !== undefined && v !== false && v !== '' && v !== 'default') return jsError('JSStreamInvalidConfigF', { err: `${k} is not supported by this server` });
  }
  return null;
}

export function streamRoutes(ctx: JetStreamContext): ApiRoute[] {
  return [
    {
      pattern: 'STREAM.CREATE.*',
      type: 'stream_create_response',
      async handle(req, reply) {
        const d = decodeOrReply(ctx, req, reply, StreamConfigRequest);
        if (d === null) return;
        const badEnum = streamEnumError(d);
        if (badEnum !== null) return reply.error(jsError('JSInvalidJSONErr', { err: badEnum }));
        const name = req.tokens[2]!;
        if ((d['name'] ?? '') !== name) return reply.error(jsError('JSStreamMismatchErr'));
        if (/[\\/]/.test(name)) return reply.error(jsError('JSStreamNameContainsPathSeparatorsErr'));
        if (d['sealed'] === true) return reply.error(jsError('JSStreamInvalidConfigF', { err: 'stream configuration for create can not be sealed' }));
        if (d['mirror_direct'] === true && d['mirror'] === undefined) return reply.error(jsError('JSStreamInvalidConfigF', { err: 'stream has no mirror but does have mirror direct' }));
        const bad = refused(d);
        if (bad !== null) return reply.error(bad);
        const r = await ctx.streams.create(toStreamConfigInput(d));
        if ('err_code' in r) return reply.error(r);
        const s = r.stream as Stream;
        const info = encodeStreamInfo(s, { version: ctx.version, level: ctx.apiLevel, dynamic: true, ...sourceInfo(ctx, s) });
        reply.ok({ ...info, did_create: true });
      },
    },
    {
      pattern: 'STREAM.UPDATE.*',
      type: 'stream_update_response',
      async handle(req, reply) {
        const d = decodeOrReply(ctx, req, reply, StreamConfigRequest);
        if (d === null) return;
        const badEnum = streamEnumError(d);
        if (badEnum !== null) return reply.error(jsError('JSInvalidJSONErr', { err: badEnum }));
        const name = req.tokens[2]!;
        if ((d['name'] ?? '') !== name) return reply.error(jsError('JSStreamMismatchErr'));
        const bad = refused(d);
        if (bad !== null) return reply.error(bad);
        const r = await ctx.streams.update(toStreamConfigInput(d));
        if ('err_code' in r) return reply.error(r);
        const s = r as Stream;
        reply.ok(encodeStreamInfo(s, { version: ctx.version, level: ctx.apiLevel, dynamic: true, ...sourceInfo(ctx, s) }));
      },
    },
    {
      pattern: 'STREAM.INFO.*',
      type: 'stream_info_response',
      errorFields: PAGED_ZERO,
      handle(req, reply) {
        let subjectsFilter = '';
        let deletedDetails = false;
        let offset = 0;
        if (req.data.length > 0) {
          const d = decodeOrReply(ctx, req, reply, StreamInfoRequest, PAGED_ZERO);
          if (d === null) return;
          subjectsFilter = (d['subjects_filter'] as string | undefined) ?? '';
          deletedDetails = d['deleted_details'] === true;
          offset = Math.max(0, (d['offset'] as number | undefined) ?? 0);
        }
        const s = streamOf(ctx, req.tokens);
        if (s === undefined) return reply.error(jsError('JSStreamNotFoundErr'), PAGED_ZERO);
        let paged = PAGED_ZERO;
        const details: InfoOptions['details'] = {};
        if (subjectsFilter !== '') {
          const all = [...s.subjects(subjectsFilter)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
          const page = all.slice(Math.min(offset, all.length), Math.min(offset, all.length) + SUBJECTS_LIMIT);
          details.subjects = new Map(page);
          paged = { total: all.length, offset: Math.min(offset, all.length), limit: SUBJECTS_LIMIT };
        }
        if (deletedDetails) details.deleted = s.deleted();
        reply.ok({ ...paged, ...infoOf(ctx, s, { leader: ctx.serverName, details }) });
      },
    },
    {
      pattern: 'STREAM.DELETE.*',
      type: 'stream_delete_response',
      async handle(req, reply) {
        const name = req.tokens[2]!;
        if (!(await ctx.streams.delete(name))) return reply.error(jsError('JSStreamNotFoundErr'));
        reply.ok({ success: true });
      },
    },
    {
      pattern: 'STREAM.PURGE.*',
      type: 'stream_purge_response',
      errorFields: { purged: 0 },
      async handle(req, reply) {
        const s = streamOf(ctx, req.tokens);
        let filter: string | undefined;
        let seq: number | undefined;
        let keep: number | undefined;
        if (req.data.length > 0) {
          const d = decodeOrReply(ctx, req, reply, StreamPurgeRequest, { purged: 0 });
          if (d === null) return;
          filter = d['filter'] as string | undefined;
          seq = d['seq'] as number | undefined;
          keep = d['keep'] as number | undefined;
        }
        if (s === undefined) return reply.error(jsError('JSStreamNotFoundErr'), { purged: 0 });
        if (s.config.sealed) return reply.error(jsError('JSStreamSealedErr'), { purged: 0 });
        if (s.config.deny_purge) return reply.error(jsError('JSStreamPurgeFailedF', { err: 'stream purge not permitted' }), { purged: 0 });
        if (seq !== undefined && seq > 0 && keep !== undefined && keep > 0) return reply.error(jsError('JSBadRequestErr'), { purged: 0 });
        const purged = await s.purge({ ...(filter ? { filter } : {}), ...(seq ? { seq } : {}), ...(keep ? { keep } : {}) });
        reply.ok({ success: true, purged });
      },
    },
    {
      pattern: 'STREAM.NAMES',
      type: 'stream_names_response',
      errorFields: { ...PAGED_ZERO, streams: null },
      handle(req, reply) {
        let offset = 0;
        let subject = '';
        if (isJsonObjectOrArray(req.data)) {
          const d = decodeOrReply(ctx, req, reply, StreamNamesRequest, { ...PAGED_ZERO, streams: null });
          if (d === null) return;
          offset = Math.max(0, (d['offset'] as number | undefined) ?? 0);
          subject = (d['subject'] as string | undefined) ?? '';
        }
        const names = ctx.streams.names(subject);
        offset = Math.min(offset, names.length);
        const page = names.slice(offset, offset + NAMES_LIMIT);
        reply.ok({ total: names.length, offset, limit: NAMES_LIMIT, streams: page.length > 0 ? page : null });
      },
    },
    {
      pattern: 'STREAM.LIST',
      type: 'stream_list_response',
      errorFields: { ...PAGED_ZERO, streams: [] },
      handle(req, reply) {
        let offset = 0;
        let subject = '';
        if (isJsonObjectOrArray(req.data)) {
          const d = decodeOrReply(ctx, req, reply, StreamListRequest, { ...PAGED_ZERO, streams: [] });
          if (d === null) return;
          offset = Math.max(0, (d['offset'] as number | undefined) ?? 0);
          subject = (d['subject'] as string | undefined) ?? '';
        }
        const names = ctx.streams.names(subject);
        offset = Math.min(offset, names.length);
        const streams: GoJson[] = [];
        for (const n of names.slice(offset, offset + LIST_LIMIT)) {
          const s = ctx.streams.get(n);
          if (s !== undefined) streams.push(encodeStreamInfo(s, { version: ctx.version, level: ctx.apiLevel, dynamic: false, ...sourceInfo(ctx, s) }));
        }
        reply.ok({ total: names.length, offset, limit: LIST_LIMIT, streams });
      },
    },
    ...['STREAM.LEADER.STEPDOWN.*', 'STREAM.PEER.REMOVE.*'].map(
      (pattern): ApiRoute => ({
        pattern,
        type: pattern.startsWith('STREAM.LEADER') ? 'stream_leader_stepdown_response' : 'stream_remove_peer_response',
        // nats-server answers "clustering required" before it looks at the required level.
        levelChecked: false,
        handle(_req, reply) {
          reply.error(jsError('JSClusterRequiredErr'));
        },
      }),
    ),
    ...['META.LEADER.STEPDOWN', 'SERVER.REMOVE'].map(
      (pattern): ApiRoute => ({
        pattern,
        type: pattern === 'SERVER.REMOVE' ? 'meta_server_remove_response' : 'meta_leader_stepdown_response',
        handle(_req, reply) {
          reply.error(jsError('JSClusterRequiredErr'));
        },
      }),
    ),
  ];
}
