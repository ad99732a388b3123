// SaslHandshake (17): the client names its SASL mechanism. On a SASL listener the connection's
// authentication answers it (the enabled mechanisms, UNSUPPORTED_SASL_MECHANISM and a close for
// one that is not enabled); on other listeners Kafka answers ILLEGAL_SASL_STATE.
import { ApiKey } from '../protocol/messages/index.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const saslHandshake = defineHandler(ApiKey.SaslHandshake, {
  minVersion: 0,
  maxVersion: 1,
  exclusive: true,
  handle(ctx, req) {
    const sasl = ctx.sasl;
    if (sasl === null) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    const outcome = sasl.handshake(ctx.header.apiVersion, req.mechanism);
    if (outcome.close !== undefined) ctx.closeAfter(outcome.close);
    return { errorCode: outcome.errorCode, mechanisms: outcome.mechanisms };
  },
});
