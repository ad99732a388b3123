/**
 * Whole frames: decode a request frame, encode a response frame, and the reverse pair (for
 * clients, tools and tests). The encoders and the response decoder are typed by API key.
 * (The broker's connection decodes the header, then the body with the codec of its handler's
 * key, so that the body is typed by that key; decodeRequestFrame gives an untyped body.)
 *
 *   const req = decodeRequestFrame(frame);
 *   if (req.kind === 'unsupported') { ...answer ApiVersions with UNSUPPORTED_VERSION or close... }
 *   else if (req.header.apiKey === ApiKey.Fetch) { const body = requestBody(req, ApiKey.Fetch); ... }
 *   for (const c of encodeResponseFrame(ApiKey.Fetch, version, correlationId, res)) socket.write(c);
 */
import { asCodecError, KafkaCodecError } from './errors.js';
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  type RequestHeader,
  type ResponseHeader,
} from './header.js';
import { apis, apiTable, type ApiDescriptor, type ApiKey, type ApiTable, type RequestByKey, type ResponseByKey } from './messages/index.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export type DecodedRequest =
  | {
      kind: 'request';
      header: RequestHeader;
      api: ApiDescriptor;
      /** The request body; narrow with header.apiKey (see RequestByKey). */
      body: unknown;
    }
  | {
      /**
       * The header was read but the body was not: the api key is unknown or its version is
       * outside the generated range. Kafka answers an ApiVersionsRequest of a too-new version
       * with a v0 ApiVersionsResponse carrying UNSUPPORTED_VERSION; anything else closes.
       */
      kind: 'unsupported';
      header: RequestHeader;
      reason: 'unknown-api' | 'unsupported-version';
    };

/** Decodes one request frame (without its size prefix). Throws KafkaCodecError if malformed. */
export function decodeRequestFrame(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  let header: RequestHeader;
  try {
    header = decodeRequestHeader(r);
  } catch (err) {
    throw asCodecError(err, 'request header');
  }
  const api = apis[header.apiKey];
  if (api === undefined) return { kind: 'unsupported', header, reason: 'unknown-api' };
  if (header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
    return { kind: 'unsupported', header, reason: 'unsupported-version' };
  }
  let body: unknown;
  try {
    body = api.decodeRequest(r, header.apiVersion);
  } catch (err) {
    throw asCodecError(err, `${api.name} v${header.apiVersion} request`);
  }
  // Bytes after a complete body are ignored, as Apache Kafka ignores them: librdkafka 2.15
  // sends Metadata v12 with a field that version no longer has, and Kafka answers it.
  return { kind: 'request', header, api, body };
}

/** Typed view of a decoded request body, after checking header.apiKey. */
export function requestBody<K extends keyof RequestByKey>(req: DecodedRequest & { kind: 'request' }, key: K): RequestByKey[K] {
  if (req.header.apiKey !== key) throw new Error(`request is api ${req.header.apiKey}, not ${key}`);
  return req.body as RequestByKey[K];
}

/** The codec of `apiKey`, typed by it; throws for a key or version the codec does not have. */
function apiOrThrow<K extends ApiKey>(apiKey: K, apiVersion: number): ApiTable[K] {
  // The key may come from outside the type system (a number read or cast): check it anyway.
  const api: ApiTable[K] | undefined = Object.hasOwn(apiTable, apiKey) ? apiTable[apiKey] : undefined;
  if (api === undefined) throw new KafkaCodecError(`unknown api key ${apiKey}`);
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new KafkaCodecError(`${api.name} has no version ${apiVersion}`);
  }
  return api;
}

/** Writes the size prefix over the first 4 bytes of the output and returns the chunks. */
function sized(w: Writer): Buffer[] {
  const total = w.length;
  const chunks = w.finishChunks();
  chunks[0]!.writeInt32BE(total - 4, 0);
  return chunks;
}

/**
 * Encodes a response frame, size prefix included, as chunks: large record blobs are referenced,
 * not copied (write them with socket.cork()/write()/uncork()). ApiVersions responses get a v0
 * header whatever their version.
 */
export function encodeResponseFrame<K extends keyof ResponseByKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseByKey[K],
  headerTags?: ResponseHeader['unknownTaggedFields'],
): Buffer[] {
  const api = apiOrThrow(apiKey, apiVersion);
  const w = new Writer(512);
  w.int32(0); // size, patched below
  encodeResponseHeader(w, apiKey, apiVersion, headerTags ? { correlationId, unknownTaggedFields: headerTags } : { correlationId });
  api.encodeResponse(w, apiVersion, body);
  return sized(w);
}

/** Same as encodeResponseFrame, as a single Buffer. */
export function encodeResponseFrameBuffer<K extends keyof ResponseByKey>(apiKey: K, apiVersion: number, correlationId: number, body: ResponseByKey[K]): Buffer {
  const chunks = encodeResponseFrame(apiKey, apiVersion, correlationId, body);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Encodes a request frame, size prefix included (client side; tests). */
export function encodeRequestFrame<K extends keyof RequestByKey>(header: RequestHeader & { apiKey: K }, body: RequestByKey[K]): Buffer {
  const api = apiOrThrow(header.apiKey, header.apiVersion);
  const w = new Writer(512);
  w.int32(0);
  encodeRequestHeader(w, header);
  api.encodeRequest(w, header.apiVersion, body);
  const chunks = sized(w);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * Decodes a response frame (without its size prefix). The caller knows the api key and version
 * from the request it sent under that correlation id.
 */
export function decodeResponseFrame<K extends keyof ResponseByKey>(
  frame: Buffer,
  apiKey: K,
  apiVersion: number,
): { header: ResponseHeader; body: ResponseByKey[K] } {
  const api = apiOrThrow(apiKey, apiVersion);
  const r = new Reader(frame);
  try {
    const header = decodeResponseHeader(r, apiKey, apiVersion);
    const body = api.decodeResponse(r, apiVersion);
    if (r.remaining !== 0) throw new KafkaCodecError(`${api.name} v${apiVersion} response: ${r.remaining} unused bytes at the end`);
    return { header, body };
  } catch (err) {
    throw asCodecError(err, `${api.name} v${apiVersion} response`);
  }
}
