// SaslAuthenticate (36): one SASL token of the client, after a v1 SaslHandshake, answered with
// the mechanism's challenge or outcome and, from v1, the session's lifetime (KIP-368). A failed
// authentication is answered SASL_AUTHENTICATION_FAILED with Kafka's message, then the
// connection closes; on a listener without SASL Kafka answers ILLEGAL_SASL_STATE.
import { ApiKey } from '../protocol/messages/index.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const saslAuthenticate = defineHandler(ApiKey.SaslAuthenticate, {
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const sasl = ctx.sasl;
    if (sasl === null) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate on a listener without SASL', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
    const outcome = await sasl.authenticate(req.authBytes, ctx.header.apiVersion);
    if (outcome.close !== undefined) {
      // One warning per refusal: the close that follows is logged at debug.
      ctx.logger.warn({ conn: ctx.conn.id, remote: ctx.conn.remoteAddress, reason: outcome.close }, 'kafka authentication refused');
      ctx.closeAfter(outcome.close, 'debug');
    }
    return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, authBytes: outcome.authBytes, sessionLifetimeMs: BigInt(outcome.sessionLifetimeMs) };
  },
});
