// The consumer routes of $JS.API: CONSUMER.CREATE (ephemeral form, named form, named form with a
// filter token), the legacy CONSUMER.DURABLE.CREATE, INFO, DELETE, NAMES, LIST, PAUSE, UNPIN and
// RESET. This file checks what nats-server checks at the API (the subject against the request:
// stream name, durable name, filter token), decodes the bodies with Go's rules, and leaves the
// consumer rules to the coordinator (src/core/coordinators/jetstream). While the coordinator's
// state topic is offline every route answers its offline error.
import type { ConsumerCoordinator } from '../../core/coordinators/jetstream/consumer-coordinator.js';
import { ConsumerErrors as E } from '../../core/coordinators/jetstream/consumer-errors.js';
import type { ConsumerConfigInput } from '../../core/coordinators/jetstream/consumer-config.js';
import type { ApiReply, ApiRequest, ApiRoute } from '../api-table.js';
import { decodeGo, parseRfc3339, type GoJson } from '../json.js';
import {
  actionOf,
  consumerConfigInput,
  CREATE_CONSUMER_REQUEST,
  encodeConsumerInfo,
  PAGED_REQUEST,
  PAUSE_REQUEST,
  RESET_REQUEST,
  UNPIN_REQUEST,
  type ServerIdentity,
} from '../consumer-json.js';

export interface ConsumerApiOptions {
  coordinator: ConsumerCoordinator;
  server: ServerIdentity;
  /** Refuse unknown fields (nats-server's strict mode, the default); else drop them. */
  strict: boolean;
}

const NAMES_LIMIT = 1024;
const LIST_LIMIT = 256;
const ZERO_TIME = '0001-01-01T00:00:00Z';

type Kind = 'ephemeral' | 'named' | 'durable';

export function consumerRoutes(o: ConsumerApiOptions): ApiRoute[] {
  const co = o.coordinator;

  async function create(req: ApiRequest, reply: ApiReply, kind: Kind): Promise<void> {
    const t = req.tokens;
    const decoded = decodeGo(req.data, CREATE_CONSUMER_REQUEST, { strict: o.strict });
    if (!decoded.ok) return reply.error(E.invalidJson(decoded.error));
    const body = decoded.value;
    const cfgRaw = (body.config as Record<string, unknown> | undefined) ?? {};
    const input = consumerConfigInput(cfgRaw);
    if ('error' in input) return reply.error(E.invalidJson(input.error as string));
    const action = actionOf(body.action);
    if (typeof action === 'object') return reply.error(E.invalidJson(action.error));
    const cfg: ConsumerConfigInput = { ...input };
    let streamName: string;
    let consumerName = '';
    let filter = '';
    if (kind === 'ephemeral') {
      streamName = t[2]!;
      consumerName = cfg.name ?? '';
    } else if (kind === 'durable') {
      streamName = t[3]!;
      consumerName = t[4]!;
    } else {
      streamName = t[2]!;
      consumerName = t[3]!;
      if (t.length > 4) filter = t.slice(4).join('.');
    }
    if (streamName !== (body.stream_name ?? '')) return reply.error(E.streamMismatch());
    if (consumerName !== '' && /[\\/]/.test(consumerName)) return reply.error(E.nameContainsPathSeparators());
    if (kind === 'durable') {
      if ((cfg.durable_name ?? '') === '') return reply.error(E.durableNameNotSet());
      if (consumerName !== cfg.durable_name) return reply.error(E.durableNameNotMatchSubject());
      cfg.name = consumerName;
    }
    if (kind === 'named') {
      if ((cfg.durable_name ?? '') !== '' && consumerName !== cfg.durable_name) return reply.error(E.durableNameNotMatchSubject());
      cfg.name = consumerName;
    }
    if (kind === 'ephemeral' && (cfg.durable_name ?? '') !== '') return reply.error(E.ephemeralWithDurableName());
    if (filter !== '' && (cfg.filter_subjects?.length ?? 0) !== 0) return reply.error(E.multipleFiltersNotAllowed());
    if (filter !== '' && cfg.filter_subject !== filter) return reply.error(E.filterSubjectMismatch());
    // Go leaves the zero value in the struct for fields that were not sent.
    if (cfg.name === '') delete cfg.name;
    if (cfg.durable_name === '') delete cfg.durable_name;
    const res = await co.create(streamName, cfg, action, body.pedantic === true);
    if ('err_code' in res) return reply.error(res);
    reply.ok(encodeConsumerInfo(res.info, o.server));
  }

  const streamOrError = (name: string, reply: ApiReply, extra?: { [key: string]: GoJson | undefined }): boolean => {
    if (co.stream(name) !== undefined) return true;
    reply.error(E.streamNotFound(), extra);
    return false;
  };

  /** The page of consumer names a NAMES or LIST request asks for; null when it was answered with an error. */
  const pageOf = (req: ApiRequest, reply: ApiReply, limit: number): { total: number; from: number; names: string[] } | null => {
    const stream = req.tokens[2]!;
    const empty = { total: 0, offset: 0, limit: 0, consumers: [] };
    const offset = pagedOffset(req, reply, empty);
    if (offset === null || !streamOrError(stream, reply, empty)) return null;
    const all = co.names(stream);
    const from = Math.min(offset, all.length);
    return { total: all.length, from, names: all.slice(from, from + limit) };
  };

  const routes: ApiRoute[] = [
    { pattern: 'CONSUMER.CREATE.*', type: 'consumer_create_response', handle: (req, reply) => create(req, reply, 'ephemeral') },
    { pattern: 'CONSUMER.CREATE.*.*', type: 'consumer_create_response', handle: (req, reply) => create(req, reply, 'named') },
    { pattern: 'CONSUMER.CREATE.*.*.>', type: 'consumer_create_response', handle: (req, reply) => create(req, reply, 'named') },
    { pattern: 'CONSUMER.DURABLE.CREATE.*.*', type: 'consumer_create_response', handle: (req, reply) => create(req, reply, 'durable') },
    {
      pattern: 'CONSUMER.INFO.*.*',
      type: 'consumer_info_response',
      async handle(req, reply) {
        const [, , stream, name] = req.tokens as [string, string, string, string];
        if (!streamOrError(stream, reply)) return;
        const info = await co.info(stream, name);
        if (info === null) return reply.error(E.notFound());
        reply.ok(encodeConsumerInfo(info, o.server));
      },
    },
    {
      pattern: 'CONSUMER.DELETE.*.*',
      type: 'consumer_delete_response',
      async handle(req, reply) {
        const [, , stream, name] = req.tokens as [string, string, string, string];
        if (!streamOrError(stream, reply)) return;
        if (!(await co.delete(stream, name))) return reply.error(E.notFound());
        reply.ok({ success: true });
      },
    },
    {
      pattern: 'CONSUMER.NAMES.*',
      type: 'consumer_names_response',
      errorFields: { total: 0, offset: 0, limit: 0, consumers: [] },
      handle(req, reply) {
        const page = pageOf(req, reply, NAMES_LIMIT);
        if (page !== null) reply.ok({ total: page.total, offset: page.from, limit: NAMES_LIMIT, consumers: page.names });
      },
    },
    {
      pattern: 'CONSUMER.LIST.*',
      type: 'consumer_list_response',
      errorFields: { total: 0, offset: 0, limit: 0, consumers: [] },
      async handle(req, reply) {
        const page = pageOf(req, reply, LIST_LIMIT);
        if (page === null) return;
        const consumers: GoJson[] = [];
        for (const n of page.names) {
          const info = await co.info(req.tokens[2]!, n);
          if (info !== null) consumers.push(encodeConsumerInfo(info, null));
        }
        reply.ok({ total: page.total, offset: page.from, limit: LIST_LIMIT, consumers });
      },
    },
    {
      pattern: 'CONSUMER.PAUSE.*.*',
      type: 'consumer_pause_response',
      errorFields: { paused: false, pause_until: ZERO_TIME },
      async handle(req, reply) {
        const [, , stream, name] = req.tokens as [string, string, string, string];
        const notPaused = { paused: false, pause_until: ZERO_TIME };
        let until: string | undefined;
        if (req.data.length > 0) {
          const d = decodeGo(req.data, PAUSE_REQUEST, { strict: o.strict });
          if (!d.ok) return reply.error(E.invalidJson(d.error), notPaused);
          const v = d.value.pause_until;
          if (typeof v === 'string' && (parseRfc3339(v) ?? 0) > -62135596800000) until = v;
        }
        if (!streamOrError(stream, reply, notPaused)) return;
        const r = await co.pause(stream, name, until);
        if (r === null) return reply.error(E.notFound(), notPaused);
        reply.ok({
          paused: r.paused,
          // As given (Go re-marshals the time it parsed: its offset and every digit of the fraction).
          pause_until: r.until !== undefined ? r.until : ZERO_TIME,
          pause_remaining: r.paused && r.remainingNs > 0n ? r.remainingNs : undefined,
        });
      },
    },
    {
      pattern: 'CONSUMER.UNPIN.*.*',
      type: 'consumer_unpin_response',
      handle(req, reply) {
        const [, , stream, name] = req.tokens as [string, string, string, string];
        const d = decodeGo(req.data, UNPIN_REQUEST, { strict: o.strict });
        if (!d.ok) return reply.error(E.invalidJson(d.error));
        if (!streamOrError(stream, reply)) return;
        const c = co.consumer(stream, name);
        if (c === undefined) return reply.error(E.notFound());
        const group = typeof d.value.group === 'string' ? d.value.group : '';
        if (!c.unpin(group)) return reply.error(E.invalidPriorityGroup());
        reply.ok({});
      },
    },
    {
      pattern: 'CONSUMER.RESET.*.*',
      type: 'consumer_reset_response',
      errorFields: { reset_seq: 0 },
      // Like MSG.NEXT, the reset subject is the consumer's own: nobody answers for an unknown one.
      counted: false,
      accepts: (tokens) => co.consumer(tokens[2]!, tokens[3]!) !== undefined,
      async handle(req, reply) {
        const [, , stream, name] = req.tokens as [string, string, string, string];
        const c = co.consumer(stream, name);
        if (c === undefined) return;
        let seq = 0;
        if (req.data.length > 0) {
          const d = decodeGo(req.data, RESET_REQUEST, { strict: false });
          if (!d.ok) return reply.error(E.invalidJson(d.error));
          seq = typeof d.value.seq === 'number' ? d.value.seq : 0;
        }
        const r = await c.reset(seq);
        if (typeof r === 'string') return reply.error(E.invalidReset(r));
        await c.settled();
        reply.ok({ ...encodeConsumerInfo(c.info(), o.server), reset_seq: r });
      },
    },
  ];
  // While the consumers' state topic is offline (damaged at start) no consumer is known: every
  // request gets nats-server's "consumer is offline" error instead of a "not found" that would
  // invite a client to create the consumer afresh.
  return routes.map((r) => ({
    ...r,
    handle: (req: ApiRequest, reply: ApiReply) => {
      const offline = co.offline();
      if (offline !== null) return reply.error(offline);
      return r.handle(req, reply);
    },
  }));
}

/** The offset of a paged request (names, list); null when the body was refused (answered). */
function pagedOffset(req: ApiRequest, reply: ApiReply, extra: { [key: string]: GoJson | undefined }): number | null {
  const text = req.data.toString('utf8').trim();
  if (!(text.startsWith('{') || text.startsWith('['))) return 0;
  const d = decodeGo(req.data, PAGED_REQUEST, { strict: true });
  if (!d.ok) {
    reply.error(E.invalidJson(d.error), extra);
    return null;
  }
  const off = typeof d.value.offset === 'number' ? d.value.offset : 0;
  return Math.max(0, off);
}
