// Helpers of the console API's handlers: JSON answers, errors with their HTTP status, typed
// reading of request bodies and query parameters, and the route table's matcher.
import type { MonitorRequest, MonitorResponse } from '../server.js';
import type { ConsoleAccess } from './access.js';

/** An answer other than 200: the handler throws it, the router writes {"error": message}. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON answer. Its type names the charset so that the monitor does not add the
 * `Access-Control-Allow-Origin: *` of nats-server's endpoints: other origins may not read it. */
export function json(value: unknown, status = 200): MonitorResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value), headers: { 'Cache-Control': 'no-store' } };
}

/** What an API handler gets: path parameters, query, the request, and who is asking with its rights. */
export interface ApiCall {
  params: Record<string, string>;
  query: URLSearchParams;
  req: MonitorRequest;
  access: ConsoleAccess;
}

export type ApiHandler = (call: ApiCall) => unknown | Promise<unknown>;

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below /console/api, with :name segments ("/topics/:topic"). */
  path: string;
  handle: ApiHandler;
}

export interface CompiledRoute extends ApiRoute {
  pattern: RegExp;
  names: string[];
}

export function compileRoutes(routes: readonly ApiRoute[]): CompiledRoute[] {
  return routes.map((r) => {
    const names: string[] = [];
    const source = r.path.replace(/:([a-zA-Z]+)/g, (_, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    return { ...r, pattern: new RegExp(`^${source}$`), names };
  });
}

/** The request body as a JSON object. */
export function bodyObject(req: MonitorRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError(400, `${key} must be a string`);
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ApiError(400, `${key} must be a whole number${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}`);
  return v;
}

export function stringRecord(o: Record<string, unknown>, key: string, allowNull: boolean): Record<string, string | null> {
  const v = o[key];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, `${key} must be an object`);
  const out: Record<string, string | null> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || (allowNull && x === null)) out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else throw new ApiError(400, `${key}.${k} must be a string${allowNull ? ' or null' : ''}`);
  }
  return out;
}

/** An integer query parameter, or `fallback` when absent. */
export function queryNumber(q: URLSearchParams, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = q.get(key);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ApiError(400, `${key} must be a whole number between ${min} and ${max}`);
  return n;
}
