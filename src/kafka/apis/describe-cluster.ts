// DescribeCluster (60): this node is the cluster (broker and controller).
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../errors.js';
import type { ApiHandler } from './types.js';

export const describeCluster: ApiHandler<DescribeClusterRequest, DescribeClusterResponse> = {
  key: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: req.endpointType ?? 1,
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterAuthorizedOperations: -2147483648,
    };
  },
};
