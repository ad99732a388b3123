// Normalises what a server answered the way the fixtures of scripts/capture-jetstream.ts are
// normalised (times, ids, ports, the nanosecond token of ack subjects, clock readings), and the
// two facts in which Wharf differs from nats-server v2.15.2 by design: the version and API level
// it advertises (docs/jetstream.md 1.19: 2.14.0, level 4). Applied to both sides of a
// differential comparison.
import type { RawMsg } from './raw-nats.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RecordedMsg {
  subject: string;
  reply: string | null;
  status?: number;
  description?: string;
  headers?: Array<[string, string]>;
  json?: Json;
  text?: string;
}

const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g;

export class Normaliser {
  str(s: string, key = ''): string {
    let out = s.replace(TIME, (t) => {
      const year = Number(t.slice(0, 4));
      return year > 2010 && year < 2100 ? '<time>' : t;
    });
    out = out.replace(/"pause_remaining":\d+/g, '"pause_remaining":"<ns>"');
    // The version and API level (also inside the audit advisory's embedded responses).
    out = out.replace(/"_nats\.ver":"[^"]*"/g, '"_nats.ver":"<ver>"').replace(/"_nats\.level":"\d+"/g, '"_nats.level":"<level>"');
    out = out.replace(/"api":\{"level":\d+/g, '"api":{"level":"<level>"');
    if (key === 'server_id' || (key === 'id' && /^[A-Z0-9]{56}$/.test(out)) || key === 'nonce' || key === 'xkey') return `<${key}>`;
    if (key === 'id' && /^[A-Za-z0-9]{22}$/.test(out)) return '<nuid>';
    if (key === 'store_dir') return '<store_dir>';
    if (key === '_nats.ver') return '<ver>';
    if (key === '_nats.level') return '<level>';
    return out;
  }

  json(v: Json, key = ''): Json {
    if (typeof v === 'string' && key === 'hdrs') {
      // The stored header block of STREAM.MSG.GET, base64: the source token inside varies per run.
      const text = Buffer.from(v, 'base64').toString('utf8');
      const fixed = text.split('\r\n').join('\n').replace(/^(Nats-Stream-Source: .* )\S+$/gm, '$1<token>').split('\n').join('\r\n');
      return fixed === text ? v : Buffer.from(fixed).toString('base64');
    }
    if (typeof v === 'string') return this.str(v, key);
    if (typeof v === 'number') {
      if (key === 'port' || key === 'client_id' || key === 'uptime_ns') return 0;
      if (key === 'rtt' || key === 'pause_remaining' || key === 'active') return '<ns>';
      if ((key === 'max_storage' || key === 'max_memory') && v > 0) return '<machine>';
      if (key === 'level' || key === 'api_lvl') return '<level>';
      return v;
    }
    if (Array.isArray(v)) {
      const out = v.map((x) => this.json(x, key));
      // nats-server lists a stream's sources from a Go map: their order is not defined.
      if (key === 'sources') out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const o: { [key: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) o[k] = this.json(x, k);
      return o;
    }
    return v;
  }

  payload(p: Buffer): { json?: Json; text?: string } {
    if (p.length === 0) return {};
    const s = p.toString('utf8');
    if (s.startsWith('{') || s.startsWith('[')) {
      try {
        return { json: this.json(JSON.parse(s) as Json) };
      } catch {
        /* not JSON */
      }
    }
    return { text: this.str(s) };
  }

  msg(m: RawMsg): RecordedMsg {
    const out: RecordedMsg = { subject: this.str(m.subject), reply: m.reply === null ? null : this.str(m.reply) };
    if (m.hdr !== null) {
      const lines = m.hdr.split('\r\n').filter((l) => l.length > 0);
      const status = /^NATS\/1\.0(?: (\d{3})(?: (.*))?)?$/.exec(lines[0] ?? '');
      if (status?.[1]) out.status = Number(status[1]);
      if (status?.[2]) out.description = status[2];
      out.headers = lines.slice(1).map((l): [string, string] => {
        const i = l.indexOf(':');
        const k = l.slice(0, i);
        const v = l.slice(i + 1).trim();
        if (k === 'Nats-Time-Stamp') return [k, '<time>'];
        if (k === 'Nats-Stream-Source') return [k, v.replace(/ \S+$/, ' <token>')];
        return [k, this.str(v)];
      });
    }
    Object.assign(out, this.payload(m.payload));
    return out;
  }

  /** A fixture's recorded reply with the same version/level normalisation applied. */
  fixture(r: RecordedMsg): RecordedMsg {
    const out: RecordedMsg = { ...r };
    if (r.json !== undefined) out.json = this.json(r.json);
    if (r.headers !== undefined) out.headers = r.headers.map(([k, v]): [string, string] => [k, k === 'Nats-Stream-Source' ? v : this.str(v)]);
    if (r.text !== undefined) out.text = this.str(r.text);
    return out;
  }
}
