// The JetStream API error table for the front-end: nats-server's codes, err_codes and
// descriptions. The table itself is core data (core/streams/api-errors.ts): config validation
// and publish checks in the core answer with these errors too.
export { JS_ERRORS, jsError, isJsError, type JsErrorDef, type JsErrorName } from '../core/streams/api-errors.js';
