// Query parameters of the monitoring endpoints, decoded with the rules and the error texts of
// nats-server (Go's strconv), so that a bad value gets the same 400 answer from both servers.

/** A request the endpoint cannot answer: the server replies 400 with this message as text. */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean parameter as strconv.ParseBool reads it; absent or empty is false. */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name) ?? '';
  if (raw === '') return false;
  if (GO_TRUE.has(raw)) return true;
  if (GO_FALSE.has(raw)) return false;
  throw new BadRequest(`Error decoding boolean for '${name}': strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
}

/** A signed integer parameter as strconv.Atoi reads it; absent or empty is 0. */
export function queryInt(query: URLSearchParams, name: string): number {
  const raw = query.get(name) ?? '';
  if (raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) {
    throw new BadRequest(`Error decoding int for '${name}': strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) {
    throw new BadRequest(`Error decoding int for '${name}': strconv.Atoi: parsing ${JSON.stringify(raw)}: value out of range`);
  }
  return value;
}

/** An unsigned integer parameter as strconv.ParseUint reads it; absent or empty is 0. */
export function queryUint(query: URLSearchParams, name: string): number {
  const raw = query.get(name) ?? '';
  if (raw === '') return 0;
  if (!/^\d+$/.test(raw)) {
    throw new BadRequest(`Error decoding uint64 for '${name}': strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) {
    throw new BadRequest(`Error decoding uint64 for '${name}': strconv.ParseUint: parsing ${JSON.stringify(raw)}: value out of range`);
  }
  return value;
}
