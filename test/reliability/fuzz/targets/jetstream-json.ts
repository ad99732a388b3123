// Fuzz target: the JSON layer every $JS.API handler starts with (src/jetstream/json.ts: Go-style
// parsing and decoding against a request schema, strict or not), over every request schema of
// the stream API. The first byte chooses the schema and the mode. decodeGo answers malformed
// input with { ok: false }; any exception is a finding. (jetstream-api.ts drives the handlers
// themselves through a broker.)
import { decodeGo, type GoStruct } from '../../../../src/jetstream/json.js';
import * as schemas from '../../../../src/jetstream/api/schemas.js';

const all: GoStruct[] = Object.values(schemas).filter((v): v is GoStruct => typeof v === 'object' && v !== null && 'fields' in v && 'name' in v);

export function fuzz(data: Buffer): void {
  if (data.length < 1 || all.length === 0) return;
  const schema = all[data[0]! % all.length]!;
  decodeGo(data.subarray(1), schema, { strict: (data[0]! & 0x80) !== 0 });
}
