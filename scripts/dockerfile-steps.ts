// Runs the Dockerfile's steps without a container engine (this machine has none): each stage
// becomes a directory, the image's absolute paths (/src, /app, /data) are mapped into it, COPY
// copies from the build context or an earlier stage, RUN runs under bash in the WORKDIR, and
// the last stage's ENTRYPOINT + CMD can then be started and its HEALTHCHECK run against it, as
// `docker run -p` would publish the ports. What a container adds and a directory cannot show
// (the base image's own files, running as USER) is reported, not pretended.
//   node dist/scripts/dockerfile-steps.js [workdir]   builds the image's directory tree
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  volumes: string[];
  expose: number[];
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[] | null;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending === '') start = i + 1;
    pending += pending === '' ? line.trim() : ` ${line.trim()}`;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      return;
    }
    const m = /^(\S+)\s*(.*)$/.exec(pending)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
    pending = '';
  });
  return out;
}

const jsonOrShell = (args: string): string[] => (args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args]);

/** Executes the steps under `work`; returns the stages, the last one being the image. */
export function runDockerfile(dockerfile: string, context: string, work: string, log: (s: string) => void = () => undefined): Stage[] {
  rmSync(work, { recursive: true, force: true });
  const stages: Stage[] = [];
  let st: Stage | null = null;
  const map = (s: Stage, p: string): string => (p.startsWith('/') ? join(s.root, p) : join(s.root, s.workdir, p));
  const remap = (s: Stage, cmd: string): string => cmd.replace(/(^|[\s=:])(\/(?:src|app|data)\b)/g, (_m, pre: string, p: string) => `${pre}${join(s.root, p)}`);
  for (const ins of parseDockerfile(readFileSync(dockerfile, 'utf8'))) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      st = { name: m[2] ?? String(stages.length), from: m[1]!, root: join(work, `stage-${stages.length}`), workdir: '/', env: {}, user: 'root', volumes: [], expose: [], entrypoint: [], cmd: [], healthcheck: null };
      mkdirSync(st.root, { recursive: true });
      stages.push(st);
      log(`FROM ${st.from} (stage ${st.name}: ${st.root})`);
      continue;
    }
    if (st === null) throw new Error(`line ${ins.line}: ${ins.op} before FROM`);
    const s: Stage = st;
    switch (ins.op) {
      case 'WORKDIR':
        s.workdir = ins.args;
        mkdirSync(map(s, ins.args), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\S+?)=(.*)$/.exec(ins.args);
        if (m) s.env[m[1]!] = m[2]!;
        break;
      }
      case 'COPY': {
        const parts = ins.args.split(/\s+/);
        const fromFlag = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : null;
        const dest = parts.pop()!;
        const source = fromFlag === null ? null : stages.find((x) => x.name === fromFlag);
        if (fromFlag !== null && source === undefined) throw new Error(`line ${ins.line}: no stage ${fromFlag}`);
        for (const src of parts) {
          const from = source == null ? join(context, src) : map(source, src);
          const to = dest.endsWith('/') ? join(map(s, dest), src.split('/').pop()!) : map(s, dest);
          if (!existsSync(from)) throw new Error(`line ${ins.line}: COPY ${src}: not found`);
          cpSync(from, to, { recursive: true, dereference: false, filter: (p) => source != null || !/\/(node_modules|dist|\.git)(\/|$)/.test(p.slice(context.length)) });
        }
        log(`COPY ${ins.args}`);
        break;
      }
      case 'RUN': {
        let cmd = remap(s, ins.args);
        // The base image has the user `node`; a machine without it cannot chown to it.
        if (/\bchown node:node\b/.test(cmd) && spawnSync('id', ['node']).status !== 0) {
          log(`RUN: no user node on this machine: its chown is left out`);
          cmd = cmd.replace(/&&\s*chown node:node \S+/, '');
        }
        log(`RUN ${ins.args}`);
        execFileSync('bash', ['-euo', 'pipefail', '-c', cmd], { cwd: map(s, s.workdir), stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...s.env } });
        break;
      }
      case 'USER':
        s.user = ins.args;
        break;
      case 'VOLUME':
        s.volumes = jsonOrShell(ins.args).length > 0 && ins.args.trim().startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
        break;
      case 'EXPOSE':
        s.expose = ins.args.split(/\s+/).map(Number);
        break;
      case 'ENTRYPOINT':
        s.entrypoint = JSON.parse(ins.args) as string[];
        break;
      case 'CMD':
        s.cmd = JSON.parse(ins.args) as string[];
        break;
      case 'HEALTHCHECK': {
        const m = /CMD\s+(.*)$/.exec(ins.args);
        s.healthcheck = m ? jsonOrShell(m[1]!) : null;
        break;
      }
      default:
        throw new Error(`line ${ins.line}: ${ins.op} is not handled by this runner`);
    }
  }
  return stages;
}

/** The command `docker run IMAGE [args]` would run, with the image's paths mapped (args replace CMD). */
export function runCommand(image: Stage, args?: string[]): { file: string; args: string[]; cwd: string } {
  const mapArg = (a: string) => (/^\/(src|app|data)\b/.test(a) ? join(image.root, a) : a);
  const all = [...image.entrypoint, ...(args ?? image.cmd)].map(mapArg);
  return { file: all[0] === 'node' ? process.execPath : all[0]!, args: all.slice(1), cwd: join(image.root, image.workdir) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const work = resolve(process.argv[2] ?? join(root, '.scratch', 'image'));
  const stages = runDockerfile(join(root, 'Dockerfile'), root, work, (s) => process.stdout.write(`${s}\n`));
  const image = stages[stages.length - 1]!;
  process.stdout.write(`image tree: ${image.root} (user ${image.user}, volumes ${image.volumes.join(' ')}, ports ${image.expose.join(' ')})\n`);
}
