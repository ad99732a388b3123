// The console's static assets: the files the build wrote to dist/console (index.html, the
// bundled app and its stylesheet, built from packages/console by scripts/build-console.ts),
// read once into memory and served with their type, an ETag, and caching that lets the
// browser keep the hashed bundle and always revalidate index.html. Unknown paths below
// /console/ get index.html, so a reload on any page of the app works.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MonitorRequest, MonitorResponse } from '../server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** dist/console, beside dist/src (this file is dist/src/http/console/assets.js). */
export const ASSETS_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

function load(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(dir)) return out;
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? e.name : `${sub}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else {
        const body = readFileSync(join(dir, rel));
        out.set(rel, { body, type: TYPES[extname(e.name)] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
      }
    }
  };
  walk('');
  return out;
}

const MISSING = `<!doctype html><title>Wharf console</title><p>The console's assets are not built: run <code>npm run build</code> (it bundles packages/console into dist/console).</p>\n`;

export function assetHandler(dir = ASSETS_DIR): (req: MonitorRequest) => MonitorResponse {
  let assets: Map<string, Asset> | null = null;
  return (req) => {
    assets ??= load(dir);
    const rel = decodeURIComponent(req.path.slice('/console/'.length));
    const asset = assets.get(rel) ?? (rel.includes('.') && !rel.endsWith('.html') ? undefined : assets.get('index.html'));
    if (asset === undefined) {
      if (assets.size === 0) return { status: 503, contentType: 'text/html; charset=utf-8', body: MISSING };
      return { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
    }
    const immutable = /^assets\/.+-[A-Za-z0-9]{8,}\.(js|css)$/.test(rel);
    const headers: Record<string, string> = { ETag: asset.etag, 'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (req.headers['if-none-match'] === asset.etag) return { status: 304, contentType: asset.type, body: '', headers };
    return { status: 200, contentType: asset.type, body: asset.body, headers };
  };
}
