// DescribeCluster (60): this node is the cluster (broker and controller), never fenced (v2,
// KIP-1073, lists fenced brokers on request: there are none). Kafka checks no ACL for it:
// DESCRIBE on the cluster only decides the authorized operations it reports when asked (0
// without it).
import { ApiKey } from '../protocol/messages/index.js';
import { authorizedOperations, CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

/** Kafka's value for "authorized operations were not asked for". */
const AUTHORIZED_OPS_OMITTED = -2147483648;

export const describeCluster = defineHandler(ApiKey.DescribeCluster, {
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const { cluster } = ctx;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: req.endpointType ?? 1,
      clusterId: cluster.clusterId,
      controllerId: cluster.nodeId,
      brokers: [{ brokerId: cluster.nodeId, host: cluster.advertisedHost, port: cluster.advertisedPort, rack: null, isFenced: false }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? (ctx.authorize('DESCRIBE', CLUSTER) ? authorizedOperations(ctx, CLUSTER) : 0) : AUTHORIZED_OPS_OMITTED,
    };
  },
});
