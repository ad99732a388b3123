/**
 * Request and response headers (hand-written: three fields, but the rules for choosing their
 * version are special cases that the JSON definitions only state in comments).
 *
 * Request header: v1 = api key, api version, correlation id, ClientId; v2 (flexible requests)
 * adds a tagged-field section. ClientId is a classic int16-length nullable string even in v2,
 * so that any broker can read the header of an ApiVersionsRequest of a version it does not
 * know. (v0, without ClientId, was only used by ControlledShutdown v0 and went with it in
 * Kafka 4.0.)
 *
 * Response header: v0 = correlation id; v1 (flexible responses) adds tagged fields, except for
 * ApiVersions, whose response header stays v0 in every version: a client reads it before it
 * knows which versions the broker speaks.
 */
import { ApiKey, apis } from './messages/index.js';
import type { RawTaggedField, Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Null when the client sent a null id. */
  clientId: string | null;
  unknownTaggedFields?: RawTaggedField[];
}

export interface ResponseHeader {
  correlationId: number;
  unknownTaggedFields?: RawTaggedField[];
}

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const api = apis[apiKey];
  return api !== undefined && api.flexibleVersion >= 0 && apiVersion >= api.flexibleVersion;
}

/** Request header version for a request; 1 for unknown APIs (their body is not decoded anyway). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Reads a request header. The version is derived from the api key and version that open it,
 * so the caller needs nothing but the frame.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const hv = requestHeaderVersion(apiKey, apiVersion);
  const clientId = r.nullableString();
  const h: RequestHeader = { apiKey, apiVersion, correlationId, clientId };
  if (hv >= 2) {
    const tags = r.rawTaggedFields(); // no tagged header fields are defined yet
    if (tags !== undefined) h.unknownTaggedFields = tags;
  }
  return h;
}

export function encodeRequestHeader(w: Writer, h: RequestHeader): void {
  const hv = requestHeaderVersion(h.apiKey, h.apiVersion);
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  w.nullableString(h.clientId);
  if (hv >= 2) writeRawTags(w, h.unknownTaggedFields);
}

export function decodeResponseHeader(r: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  const correlationId = r.int32();
  const h: ResponseHeader = { correlationId };
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) {
    const tags = r.rawTaggedFields();
    if (tags !== undefined) h.unknownTaggedFields = tags;
  }
  return h;
}

export function encodeResponseHeader(w: Writer, apiKey: number, apiVersion: number, h: ResponseHeader): void {
  w.int32(h.correlationId);
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) writeRawTags(w, h.unknownTaggedFields);
}

function writeRawTags(w: Writer, tags: RawTaggedField[] | undefined): void {
  if (tags === undefined) return w.uvarint(0);
  w.uvarint(tags.length);
  for (const t of tags) w.rawTaggedField(t);
}
