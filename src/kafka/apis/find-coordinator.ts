// FindCoordinator (10): this node coordinates every group and transactional id. Batched keys
// from v4; v5 only adds TRANSACTION_ABORTABLE to what the client handles. v6 (share-partition
// coordinators of KIP-932, key type 2, which only brokers ask for) is not served: share group
// members find their group's coordinator with key type 0 like any group.
// Authorization, as Kafka: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) or on the
// transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), per key.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource, transactionalIdResource } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

function none(errorCode: number, errorMessage: string): Answer {
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}

export const findCoordinator = defineHandler(ApiKey.FindCoordinator, {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const { cluster, header, coordinators } = ctx;
    const keyType = req.keyType ?? KEY_TYPE_GROUP;
    const keys = header.apiVersion >= 4 ? (req.coordinatorKeys ?? []) : [req.key ?? ''];
    const refusal = (key: string): Answer | null => {
      if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return none(ErrorCode.INVALID_REQUEST, `unsupported coordinator key type ${keyType}`);
      if (keyType === KEY_TYPE_GROUP && !ctx.authorize('DESCRIBE', groupResource(key))) return none(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
      if (keyType === KEY_TYPE_TRANSACTION) {
        if (key === '') return none(ErrorCode.INVALID_REQUEST, 'empty transactional id');
        if (!ctx.authorize('DESCRIBE', transactionalIdResource(key))) return none(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
      }
      return null;
    };
    const refused = keys.map(refusal);
    let available = true;
    if (refused.some((r) => r === null)) {
      try {
        // Like Kafka, the coordinator's internal topic exists once a client has looked for it.
        if (keyType === KEY_TYPE_GROUP) await coordinators.groups.ensureTopic();
        else await coordinators.transactions.ensureTopic();
      } catch {
        available = false;
      }
    }
    const answer = (i: number): Answer => {
      const r = refused[i];
      if (r !== null && r !== undefined) return r;
      if (!available) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: cluster.nodeId, host: cluster.advertisedHost, port: cluster.advertisedPort };
    };
    if (header.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: keys.map((key, i) => ({ key, ...answer(i) })) };
    return { throttleTimeMs: 0, ...answer(0) };
  },
});
