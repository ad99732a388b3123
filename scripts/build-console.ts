// Builds the web console (packages/console) into dist/console: esbuild bundles the Preact app,
// uPlot and the stylesheets into one hashed, minified JS file and one CSS file under assets/,
// and index.html is written with their names. The broker serves that folder at /console/
// (src/http/console/assets.ts). `npm run build` and `npm install` (prepare) run this after tsc.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'packages/console/src');
const out = join(root, 'dist/console');

export async function buildConsole(): Promise<{ js: string; css: string; bytes: number }> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: { app: join(src, 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: join(out, 'assets'),
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
  const js = files.find((f) => f.endsWith('.js'));
  const css = files.find((f) => f.endsWith('.css'));
  if (js === undefined || css === undefined) throw new Error(`esbuild wrote no app bundle: ${files.join(', ')}`);
  const html = readFileSync(join(src, 'index.html'), 'utf8').replace('%JS%', `assets/${js}`).replace('%CSS%', `assets/${css}`);
  writeFileSync(join(out, 'index.html'), html);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { js, css, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await buildConsole();
  process.stdout.write(`console: dist/console/assets/${r.js}, ${r.css} (${Math.round(r.bytes / 1024)} KiB)\n`);
}
