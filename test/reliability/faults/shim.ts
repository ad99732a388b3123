// Builds the fsync LD_PRELOAD shim (native/fsync-shim.c) with the system's C compiler, once per
// source version, into the temporary directory. The source is under test/, so it is found next
// to this file's TypeScript source (dist/ holds only JavaScript).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/wharf.js';

export function fsyncShim(): string {
  const src = join(repoRoot(), 'test', 'reliability', 'faults', 'native', 'fsync-shim.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `wharf-fsync-shim-${hash}.so`);
  if (!existsSync(out)) execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', out, src, '-ldl'], { stdio: 'pipe' });
  return out;
}

/** Appends a library to LD_PRELOAD in a tweak set. */
export function preload(env: Record<string, string>, lib: string): void {
  env.LD_PRELOAD = env.LD_PRELOAD ? `${env.LD_PRELOAD}:${lib}` : lib;
}
