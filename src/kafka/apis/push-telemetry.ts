// PushTelemetry (72): a client's metrics (KIP-714), validated as a Kafka 4.4 broker without a
// metrics plugin validates them and then dropped: served but not advertised (see
// ../client-telemetry.ts). No authorization, as in Kafka.
import { ApiKey } from '../protocol/messages/index.js';
import { defineHandler } from './types.js';

export const pushTelemetry = defineHandler(ApiKey.PushTelemetry, {
  minVersion: 0,
  maxVersion: 0,
  advertised: false,
  handle(ctx, req) {
    const errorCode = ctx.telemetry.push(
      { clientInstanceId: req.clientInstanceId, subscriptionId: req.subscriptionId, terminating: req.terminating, compressionType: req.compressionType, metricsBytes: req.metrics.length },
      ctx.conn.id,
    );
    return { throttleTimeMs: 0, errorCode };
  },
});
