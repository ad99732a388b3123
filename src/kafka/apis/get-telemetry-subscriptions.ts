// GetTelemetrySubscriptions (71): the client's metrics subscription (KIP-714), as a Kafka 4.4
// broker without a metrics plugin answers it: served but not advertised, no metrics requested
// (see ../client-telemetry.ts). An error answer carries nothing else, as Kafka's does.
// No authorization, as in Kafka.
import { ApiKey, type GetTelemetrySubscriptionsResponse } from '../protocol/messages/index.js';
import { TELEMETRY_COMPRESSION_TYPES } from '../client-telemetry.js';
import { ZERO_UUID } from '../context.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const getTelemetrySubscriptions = defineHandler(ApiKey.GetTelemetrySubscriptions, {
  minVersion: 0,
  maxVersion: 0,
  advertised: false,
  handle(ctx, req): GetTelemetrySubscriptionsResponse {
    const a = ctx.telemetry.subscriptions(req.clientInstanceId, ctx.conn.id);
    if (a.errorCode !== ErrorCode.NONE || a.clientInstanceId === null) {
      return { throttleTimeMs: 0, errorCode: a.errorCode, clientInstanceId: ZERO_UUID, subscriptionId: 0, acceptedCompressionTypes: [], pushIntervalMs: 0, telemetryMaxBytes: 0, deltaTemporality: false, requestedMetrics: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      clientInstanceId: a.clientInstanceId,
      subscriptionId: a.subscriptionId,
      acceptedCompressionTypes: [...TELEMETRY_COMPRESSION_TYPES],
      pushIntervalMs: a.pushIntervalMs,
      telemetryMaxBytes: a.telemetryMaxBytes,
      deltaTemporality: true,
      requestedMetrics: [],
    };
  },
});
