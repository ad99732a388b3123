// The two kinds of server the ntf tester (ntf-tester.ts) manages: Wharf, started from its CLI
// with the requested settings mapped onto its options, and nats-server v2.15.2 from the peers
// cache, the control that proves the tester and the suites on the reference first. A backend turns
// one managed server's request (JetStream on or off, snippets, template) into a command line, or
// refuses it with a TesterError naming what it cannot honour; the tester runs the command, keeps
// its port and data directory across stop/start, and kills it on destroy.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOption } from '../../src/config.js';
import { JetStreamSettingRefused, mapJetStream, withDefaultSync } from './jetstream-options.js';
import { mapConfig, Unsupported, type ShimConfig } from './nats-config-map.js';
import { parseNatsConf, type ConfObject } from '../../src/core/security/config/nats-conf.js';
import { natsServerConfig, onlyComments, render, TesterError, type SnippetSlot, type TemplateData } from './ntf-template.js';

/** One managed server as the backend needs it. */
export interface ServerSpec {
  name: string;
  /** Client port; kept across stop/start. */
  port: number;
  /** Other reserved ports by name (monitoring, and those the snippets refer to). */
  ports: Record<string, number>;
  /** The server's own directory: config file, data directory. */
  dir: string;
  jetstream: boolean;
  snippets: Partial<Record<SnippetSlot, string>>;
  template?: string;
  tls: boolean;
  trace: boolean;
}

export interface Command {
  cmd: string;
  args: string[];
  /** Wharf only: JetStream was asked off and Wharf has no switch, so the tester checks that $JS.API goes unanswered. */
  mustNotServeJetStream?: boolean;
}

export interface Backend {
  id: 'wharf' | 'nats-server';
  /** What the backend is, for logs and reports. */
  describe(): string;
  /** The command that starts the server, or a TesterError. Called at create and again after update. */
  command(spec: ServerSpec): Command;
  /** Whether the backend reloads a running server's configuration in place. */
  reload: boolean;
}

function data(spec: ServerSpec): TemplateData {
  return { serverName: spec.name, clientPort: spec.port, ports: spec.ports };
}

/** nats-server from the peers cache: the snippets rendered into its configuration file. */
export function natsServerBackend(exe: string): Backend {
  return {
    id: 'nats-server',
    reload: true,
    describe: () => `nats-server (${exe})`,
    command(spec) {
      if (spec.tls) throw new TesterError('generated TLS (the tls option) is not supported by this tester', 501);
      if (spec.trace) throw new TesterError('trace capture is not supported by this tester', 501);
      const conf = natsServerConfig({ data: data(spec), jetstream: spec.jetstream, storeDir: join(spec.dir, 'jetstream'), snippets: spec.snippets, template: spec.template });
      const file = join(spec.dir, 'server.conf');
      writeFileSync(file, conf);
      return { cmd: exe, args: ['-c', file] };
    },
  };
}

/** Slots that only feed nats-server features Wharf lacks, and the feature named in the refusal. */
const WHARF_REFUSED_SLOTS: Partial<Record<SnippetSlot, string>> = {
  tls: 'TLS',
  websocket: 'websockets',
  mqtt: 'MQTT',
  leafnode: 'leaf nodes',
};

function flagArgs(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!findOption(k)) throw new TesterError(`setting '${k}' has no Wharf option`, 501);
    out.push(`--${k}=${String(v)}`);
  }
  return out;
}

/** Wharf from this checkout's build (dist/src/cli/main.js), one data directory per server. */
export function wharfBackend(repo: string): Backend {
  const main = join(repo, 'dist', 'src', 'cli', 'main.js');
  return {
    id: 'wharf',
    reload: false,
    describe: () => `Wharf (${main})`,
    command(spec) {
      if (spec.template !== undefined) throw new TesterError('a config template (WithTemplate) is not supported by Wharf: it replaces nats-server\'s configuration file', 501);
      if (spec.tls) throw new TesterError('generated TLS (WithGeneratedTLS) is not supported by Wharf', 501);
      if (spec.trace) throw new TesterError('trace capture is not supported by this tester', 501);
      const raw: Record<string, unknown> = {};
      let accountsFile: string | null = null;
      for (const [slot, body] of Object.entries(spec.snippets) as [SnippetSlot, string][]) {
        if (onlyComments(body)) continue; // clears a default that Wharf does not have anyway
        const feature = WHARF_REFUSED_SLOTS[slot];
        if (feature) throw new TesterError(`the ${slot} snippet needs ${feature}, which Wharf does not support`, 501);
        if (slot === 'jetstream') continue; // below
        if (slot === 'system_account') {
          // Goes to the accounts file below, beside the accounts it names.
          if (spec.snippets.accounts === undefined || onlyComments(spec.snippets.accounts)) throw new TesterError('the system_account snippet names an account, and Wharf has accounts only from the accounts snippet', 501);
          continue;
        }
        if (slot === 'accounts') {
          // The accounts block goes to Wharf as a nats-server configuration file (--nats-config),
          // with the authorization snippet beside it (its users and no_auth_user name the
          // accounts' users), or nats-server's default authorization line when the request does
          // not replace it; and the system_account snippet when the request has one (nats-server's
          // default, $SYS of its default accounts, is left out with those accounts).
          const auth = spec.snippets.authorization;
          const authText = auth === undefined ? 'no_auth_user: user1' : onlyComments(auth) ? '' : render(auth, data(spec), 'snippet authorization');
          const sys = spec.snippets.system_account;
          const sysText = sys === undefined || onlyComments(sys) ? '' : render(sys, data(spec), 'snippet system_account');
          accountsFile = join(spec.dir, 'accounts.conf');
          writeFileSync(accountsFile, [render(body, data(spec), 'snippet accounts'), authText, sysText, ''].join('\n'));
          continue;
        }
        if (slot === 'authorization' && spec.snippets.accounts !== undefined && !onlyComments(spec.snippets.accounts)) continue; // in the accounts file
        const cfg: ShimConfig = { raw: {}, unserved: new Set() };
        try {
          mapConfig(parseNatsConf(render(body, data(spec), `snippet ${slot}`)), cfg);
        } catch (err) {
          if (err instanceof TesterError) throw err;
          throw new TesterError(`the ${slot} snippet: ${(err as Error).message}${err instanceof Unsupported ? ', which Wharf does not support' : ''}`, 501);
        }
        if (cfg.jetstream !== undefined || cfg.storeDir !== undefined) throw new TesterError(`the ${slot} snippet configures JetStream: use the jetstream snippet`, 400);
        Object.assign(raw, cfg.raw);
      }
      let mustNotServeJetStream = false;
      try {
        if (spec.jetstream) {
          const body = spec.snippets.jetstream;
          const block: ConfObject = body === undefined || onlyComments(body) ? {} : parseNatsConf(render(body, data(spec), 'snippet jetstream'));
          if ('store_dir' in block) throw new TesterError('the jetstream snippet sets store_dir: the tester chooses the data directory', 400);
          Object.assign(raw, mapJetStream(block).options);
          withDefaultSync(raw);
        } else if (findOption('jetstream')?.flag === 'jetstream') {
          Object.assign(raw, mapJetStream(false).options);
        } else {
          mustNotServeJetStream = true;
        }
      } catch (err) {
        if (err instanceof JetStreamSettingRefused) throw new TesterError(err.message, 501);
        throw err;
      }
      // nats-server's monitoring port takes no credentials; Wharf's asks for the NATS ones by default.
      if (findOption('http-auth') !== undefined && raw['http-auth'] === undefined) raw['http-auth'] = false;
      const args = [main, '--host', '127.0.0.1', '--port', String(spec.port), '--kafka-port', '-1', '--http-port', String(spec.ports.monitoring ?? -1), '--data-dir', join(spec.dir, 'data'), '--server-name', spec.name, '--log-level', process.env.WHARF_NTF_LOG_LEVEL ?? 'warn' /* debug runs: WHARF_NTF_LOG_LEVEL=debug */, ...(accountsFile !== null ? ['--nats-config', accountsFile] : []), ...flagArgs(raw)];
      return { cmd: process.execPath, args, mustNotServeJetStream };
    },
  };
}
