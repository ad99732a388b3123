// nats-server's JetStream settings mapped onto Wharf's options, for the two stand-ins that start
// Wharf where a peer suite asks for a nats-server: the nats-server shim (nats.js suites: a
// `jetstream {...}` block or `jetstream: enabled|disabled` in a config file, the -js/-sd flags) and
// the ntf tester (nats.go suites: the `jetstream` snippet, the body of that block). Which Wharf
// options exist is read from Wharf's own options table (src/config.ts) at run time, so the mapping
// follows the broker as its JetStream options land: a setting is honoured when one of the Wharf
// flags listed for it exists, and refused otherwise, with a message naming the setting and the
// flags looked for. Nothing is accepted silently.
// `store_dir` is always honoured: it becomes the broker's data directory. JetStream itself
// (`jetstream: enabled`, a block, -js) is passed as `--jetstream true` when Wharf has that switch;
// without one the broker starts as it is and the suites see what it does with $JS.API (no
// responders while Wharf has no JetStream). Turning JetStream off needs the switch, else refused.
import { findOption } from '../../src/config.js';
import type { ConfObject, ConfValue } from '../../src/core/security/config/nats-conf.js';

/** A JetStream setting Wharf cannot honour; the message names it. */
export class JetStreamSettingRefused extends Error {
  override name = 'JetStreamSettingRefused';
}

/** What a JetStream configuration becomes for Wharf: raw option values by flag, and the data directory. */
export interface MappedJetStream {
  /** Raw values by Wharf flag name (parsed by Wharf's own option parsers). */
  options: Record<string, string | number | boolean>;
  /** `store_dir`: the broker's data directory, kept across restarts by whoever started it. */
  storeDir?: string;
  /** Whether JetStream was asked for (a block, `enabled`, -js) rather than turned off. */
  enabled: boolean;
}

/** nats-server key (inside `jetstream {}`) → Wharf flags that would honour it, first existing wins. */
const BLOCK_KEYS: Record<string, readonly string[]> = {
  domain: ['jetstream-domain', 'js-domain'],
  max_memory_store: ['jetstream-max-memory', 'jetstream-max-memory-store', 'js-max-memory'],
  max_mem_store: ['jetstream-max-memory', 'jetstream-max-memory-store', 'js-max-memory'],
  max_mem: ['jetstream-max-memory', 'jetstream-max-memory-store', 'js-max-memory'],
  max_file_store: ['jetstream-max-storage', 'jetstream-max-file-store', 'js-max-storage'],
  max_file: ['jetstream-max-storage', 'jetstream-max-file-store', 'js-max-storage'],
  strict: ['jetstream-strict'],
  max_buffered_msgs: ['jetstream-max-buffered-msgs'],
  max_buffered_size: ['jetstream-max-buffered-size'],
  request_queue_limit: ['jetstream-request-queue-limit'],
};

/** Keys of `jetstream { limits {...} }` → Wharf flags. */
const LIMIT_KEYS: Record<string, readonly string[]> = {
  max_ack_pending: ['jetstream-max-ack-pending', 'js-max-ack-pending'],
  max_request_batch: ['jetstream-max-request-batch'],
  max_request_expires: ['jetstream-max-request-expires'],
  max_request_max_bytes: ['jetstream-max-request-max-bytes'],
  duplicate_window: ['jetstream-max-duplicate-window'],
  max_ha_assets: ['jetstream-max-ha-assets'],
};

const SWITCH = ['jetstream', 'js'];

function existing(flags: readonly string[]): string | undefined {
  return flags.find((f) => findOption(f) !== undefined && findOption(f)!.flag === f);
}

function scalar(v: ConfValue, key: string): string | number | boolean {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new JetStreamSettingRefused(`jetstream.${key}: expected a single value`);
}

function setFlag(out: MappedJetStream, key: string, flags: readonly string[], v: ConfValue): void {
  const flag = existing(flags);
  if (!flag) throw new JetStreamSettingRefused(`jetstream.${key} is not supported by this Wharf (no option ${flags.map((f) => `--${f}`).join(' or ')})`);
  out.options[flag] = scalar(v, key);
}

function setSwitch(out: MappedJetStream, on: boolean, what: string): void {
  out.enabled = on;
  const flag = existing(SWITCH);
  if (flag) out.options[flag] = on;
  else if (!on) throw new JetStreamSettingRefused(`${what}: this Wharf has no switch to turn JetStream off (no option --jetstream)`);
}

function truthy(v: ConfValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(enabled?|true|yes|on)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(disabled?|false|no|off)$/i.test(v)) return false;
  return undefined;
}

/**
 * Maps the value of nats-server's `jetstream` key (a block, or enabled/disabled) onto Wharf.
 * Throws JetStreamSettingRefused naming the first setting Wharf cannot honour.
 */
export function mapJetStream(value: ConfValue): MappedJetStream {
  const out: MappedJetStream = { options: {}, enabled: true };
  const onOff = truthy(value);
  if (onOff !== undefined) {
    setSwitch(out, onOff, `jetstream: ${String(value)}`);
    return out;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new JetStreamSettingRefused(`jetstream: expected a block or enabled/disabled, got ${JSON.stringify(value)}`);
  const block: ConfObject = value;
  let on = true;
  for (const [key, v] of Object.entries(block)) {
    if (key === 'enabled' || key === 'enable') {
      const b = truthy(v);
      if (b === undefined) throw new JetStreamSettingRefused(`jetstream.${key}: expected a boolean`);
      on = b;
    } else if (key === 'store_dir' || key === 'store' || key === 'storedir') {
      out.storeDir = String(scalar(v, key));
    } else if (key === 'sync_interval' || key === 'sync') {
      mapSync(out, scalar(v, key));
    } else if (key === 'limits') {
      if (typeof v !== 'object' || Array.isArray(v)) throw new JetStreamSettingRefused('jetstream.limits: expected a block');
      for (const [lk, lv] of Object.entries(v)) {
        const flags = LIMIT_KEYS[lk];
        if (!flags) throw new JetStreamSettingRefused(`jetstream.limits.${lk} is not supported by this Wharf (no mapping for it)`);
        setFlag(out, `limits.${lk}`, flags, lv);
      }
    } else {
      const flags = BLOCK_KEYS[key];
      if (!flags) throw new JetStreamSettingRefused(`jetstream.${key} is not supported by this Wharf (no mapping for it)`);
      setFlag(out, key, flags, v);
    }
  }
  setSwitch(out, on, 'jetstream.enabled: false');
  return out;
}

/**
 * nats-server's durability when `sync_interval` is not set: data is fsynced every two minutes
 * (its default), acknowledged before. A stand-in asked for a JetStream server without
 * `sync_interval` gives Wharf the same policy (`--fsync interval --fsync-interval 2m`), so a
 * suite measures Wharf against the durability the reference runs with: the tests' time budgets
 * assume it (nats.go's TestListKeysFromPurgedStream gives each of 10 000 KV puts 100 ms, which a
 * loaded 2-core machine's fsync tail exceeds). A test that sets `sync_interval` gets what it set.
 */
export function withDefaultSync(options: Record<string, unknown>): void {
  if (options.fsync !== undefined) return;
  options.fsync = 'interval';
  options['fsync-interval'] = '2m';
}

/** nats-server's `sync_interval`: `always` is Wharf's default fsync policy; a duration is its interval policy. */
function mapSync(out: MappedJetStream, v: string | number | boolean): void {
  if (v === 'always') {
    out.options.fsync = 'always';
    return;
  }
  // A bare number is nanoseconds in nats-server's config; Wharf's durations take units.
  out.options.fsync = 'interval';
  out.options['fsync-interval'] = typeof v === 'number' ? `${Math.max(1, Math.round(v / 1e6))}ms` : v;
}
