// ApiVersions (18): the APIs and versions this broker serves, and the features it supports and
// has finalized (KIP-584). A version the broker does not know is answered by the connection in
// v0 with UNSUPPORTED_VERSION and the same list. No authorization: clients ask before anything
// else, as in Kafka.
//
// Features are advertised only where everything they mean is served: group.version 1 (the
// KIP-848 consumer group protocol), transaction.version 2 (KIP-890 part 2: clients skip
// AddPartitionsToTxn/AddOffsetsToTxn, and the epoch is bumped per transaction; Produce v12,
// TxnOffsetCommit v5 and EndTxn v5 are served), share.version 2 (KIP-932 share groups; 2 is
// ShareFetch and ShareAcknowledge v2, KIP-1206 and KIP-1222) and streams.version 1 (the KIP-1071
// streams group protocol: StreamsGroupHeartbeat and StreamsGroupDescribe), each finalized as a
// freshly formatted Kafka 4.4 finalizes it (the differential test holds Wharf to Kafka's list).
// Kafka's metadata.version, kraft.version and eligible.leader.replicas.version are not advertised.
//
// v3 lists only supported features whose minimum is at least 1 (KAFKA-17011, fixed by v4). v5
// (KIP-1242) lets a client that names the cluster and node it expects learn that it reached
// another one: both named and one differs is REBOOTSTRAP_REQUIRED; only one named is
// INVALID_REQUEST, as Kafka 4.4 answers.
import { ApiKey } from '../protocol/messages/index.js';
import type { ApiVersionsResponse, ApiVersionsResponseFinalizedFeatureKey, ApiVersionsResponseSupportedFeatureKey } from '../protocol/messages/api-versions.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';
import { advertisedApiVersions } from './index.js';

const SUPPORTED_FEATURES: readonly ApiVersionsResponseSupportedFeatureKey[] = [
  { name: 'group.version', minVersion: 0, maxVersion: 1 },
  { name: 'transaction.version', minVersion: 0, maxVersion: 2 },
  { name: 'share.version', minVersion: 0, maxVersion: 2 },
  { name: 'streams.version', minVersion: 0, maxVersion: 1 },
];
const FINALIZED_FEATURES: readonly ApiVersionsResponseFinalizedFeatureKey[] = [
  { name: 'group.version', minVersionLevel: 1, maxVersionLevel: 1 },
  { name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 },
  { name: 'share.version', minVersionLevel: 2, maxVersionLevel: 2 },
  { name: 'streams.version', minVersionLevel: 1, maxVersionLevel: 1 },
];
/**
 * Kafka's epoch of the finalized features is the metadata offset that last changed them; they
 * never change here. Clients keep the features of the highest epoch they saw (-1: none).
 */
const FINALIZED_FEATURES_EPOCH = 1n;

/** Clients must name themselves with [a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])? (v3+), else INVALID_REQUEST. */
const SOFTWARE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

export const apiVersions = defineHandler(ApiKey.ApiVersions, {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const refused = (errorCode: number): ApiVersionsResponse => ({ errorCode, apiKeys: [], throttleTimeMs: 0 });
    if (v >= 3 && (!SOFTWARE_NAME.test(req.clientSoftwareName ?? '') || !SOFTWARE_NAME.test(req.clientSoftwareVersion ?? ''))) return refused(ErrorCode.INVALID_REQUEST);
    if (v >= 5) {
      const clusterId = req.clusterId ?? null;
      const nodeId = req.nodeId ?? -1;
      if ((clusterId === null) !== (nodeId === -1)) return refused(ErrorCode.INVALID_REQUEST);
      if (clusterId !== null && (clusterId !== ctx.cluster.clusterId || nodeId !== ctx.cluster.nodeId)) return refused(ErrorCode.REBOOTSTRAP_REQUIRED);
    }
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: advertisedApiVersions(),
      throttleTimeMs: 0,
      supportedFeatures: v >= 4 ? [...SUPPORTED_FEATURES] : SUPPORTED_FEATURES.filter((f) => f.minVersion >= 1),
      finalizedFeaturesEpoch: FINALIZED_FEATURES_EPOCH,
      finalizedFeatures: [...FINALIZED_FEATURES],
      zkMigrationReady: false,
    };
  },
});
