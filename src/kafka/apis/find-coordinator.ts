// FindCoordinator (10): this node coordinates every group and transactional id. Batched keys
// from v4.
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/index.js';
import { coordinatorsOf } from '../coordination.js';
import type { ApiHandler } from './types.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const INVALID_REQUEST = 42;
const COORDINATOR_NOT_AVAILABLE = 15;

export const findCoordinator: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  key: 10,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { broker, header } = ctx;
    const keyType = req.keyType ?? KEY_TYPE_GROUP;
    let available = true;
    try {
      // Like Kafka, the coordinator's internal topic exists once a client has looked for it.
      const c = coordinatorsOf(broker);
      if (keyType === KEY_TYPE_GROUP) await c.groups.ensureTopic();
      else if (keyType === KEY_TYPE_TRANSACTION) await c.transactions.ensureTopic();
    } catch {
      available = false;
    }
    const answer = (key: string): { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number } => {
      if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) {
        return { errorCode: INVALID_REQUEST, errorMessage: `unsupported coordinator key type ${keyType}`, nodeId: -1, host: '', port: -1 };
      }
      if (keyType === KEY_TYPE_TRANSACTION && key === '') {
        return { errorCode: INVALID_REQUEST, errorMessage: 'empty transactional id', nodeId: -1, host: '', port: -1 };
      }
      if (!available) return { errorCode: COORDINATOR_NOT_AVAILABLE, errorMessage: 'The coordinator is not available.', nodeId: -1, host: '', port: -1 };
      return { errorCode: 0, errorMessage: null, nodeId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort };
    };
    if (header.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map((key) => ({ key, ...answer(key) })) };
    }
    return { throttleTimeMs: 0, ...answer(req.key ?? '') };
  },
};
