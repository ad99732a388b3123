// ApiVersions (18): the APIs and versions this broker serves. A version the broker does not
// know is answered by the connection in v0 with UNSUPPORTED_VERSION and the same list. No
// authorization: clients ask before anything else, as in Kafka.
import { ApiKey } from '../protocol/messages/index.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';
import { advertisedApiVersions } from './index.js';

export const apiVersions = defineHandler(ApiKey.ApiVersions, {
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, req) {
    // v3 clients name themselves; Kafka rejects names that do not match [a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])? with INVALID_REQUEST.
    const valid = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;
    if (ctx.header.apiVersion >= 3 && (!valid.test(req.clientSoftwareName ?? '') || !valid.test(req.clientSoftwareVersion ?? ''))) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
    }
    return { errorCode: ErrorCode.NONE, apiKeys: advertisedApiVersions(), throttleTimeMs: 0 };
  },
});
