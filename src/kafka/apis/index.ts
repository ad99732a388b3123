// The API table: one handler per API key, each in its own file. ApiVersions advertises exactly
// what is here, so adding an API is adding a file and a line. The table is typed by key: the
// handler found under key K handles K's request type and answers K's response type.
import type { ApiVersionsResponseApiVersion } from '../protocol/messages/api-versions.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { ApiHandler } from './types.js';
import { apiVersions } from './api-versions.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { deleteRecords } from './delete-records.js';
import { describeConfigs } from './describe-configs.js';
import { alterConfigs } from './alter-configs.js';
import { createPartitions } from './create-partitions.js';
import { incrementalAlterConfigs } from './incremental-alter-configs.js';
import { describeCluster } from './describe-cluster.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { joinGroup } from './join-group.js';
import { heartbeat } from './heartbeat.js';
import { leaveGroup } from './leave-group.js';
import { syncGroup } from './sync-group.js';
import { describeGroups } from './describe-groups.js';
import { listGroups } from './list-groups.js';
import { deleteGroups } from './delete-groups.js';
import { offsetDelete } from './offset-delete.js';
import { initProducerId } from './init-producer-id.js';
import { addPartitionsToTxn } from './add-partitions-to-txn.js';
import { addOffsetsToTxn } from './add-offsets-to-txn.js';
import { endTxn } from './end-txn.js';
import { txnOffsetCommit } from './txn-offset-commit.js';
import { describeTransactions } from './describe-transactions.js';
import { listTransactions } from './list-transactions.js';
import { describeProducers } from './describe-producers.js';
import { describeTopicPartitions } from './describe-topic-partitions.js';
import { listConfigResources } from './list-config-resources.js';
import { describeLogDirs } from './describe-log-dirs.js';
import { getTelemetrySubscriptions } from './get-telemetry-subscriptions.js';
import { pushTelemetry } from './push-telemetry.js';
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { consumerGroupDescribe } from './consumer-group-describe.js';
import { shareGroupHeartbeat } from './share-group-heartbeat.js';
import { shareGroupDescribe } from './share-group-describe.js';
import { shareFetch } from './share-fetch.js';
import { shareAcknowledge } from './share-acknowledge.js';
import { describeShareGroupOffsets } from './describe-share-group-offsets.js';
import { alterShareGroupOffsets } from './alter-share-group-offsets.js';
import { deleteShareGroupOffsets } from './delete-share-group-offsets.js';
import { saslHandshake } from './sasl-handshake.js';
import { saslAuthenticate } from './sasl-authenticate.js';
import { streamsGroupHeartbeat } from './streams-group-heartbeat.js';
import { streamsGroupDescribe } from './streams-group-describe.js';
import { createAcls } from './create-acls.js';
import { describeAcls } from './describe-acls.js';
import { deleteAcls } from './delete-acls.js';
import { describeUserScramCredentials } from './describe-user-scram-credentials.js';
import { alterUserScramCredentials } from './alter-user-scram-credentials.js';
import { describeClientQuotas } from './describe-client-quotas.js';
import { alterClientQuotas } from './alter-client-quotas.js';

/** The handler of each served API key (a handler under another key does not compile). */
export type HandlerTable = { readonly [K in ApiKey]?: ApiHandler<K> };

export const HANDLERS: HandlerTable = {
  [ApiKey.Produce]: produce,
  [ApiKey.Fetch]: fetch,
  [ApiKey.ListOffsets]: listOffsets,
  [ApiKey.Metadata]: metadata,
  [ApiKey.ApiVersions]: apiVersions,
  [ApiKey.CreateTopics]: createTopics,
  [ApiKey.DeleteTopics]: deleteTopics,
  [ApiKey.DeleteRecords]: deleteRecords,
  [ApiKey.OffsetForLeaderEpoch]: offsetForLeaderEpoch,
  [ApiKey.DescribeConfigs]: describeConfigs,
  [ApiKey.AlterConfigs]: alterConfigs,
  [ApiKey.CreatePartitions]: createPartitions,
  [ApiKey.IncrementalAlterConfigs]: incrementalAlterConfigs,
  [ApiKey.DescribeCluster]: describeCluster,
  [ApiKey.DescribeTopicPartitions]: describeTopicPartitions,
  [ApiKey.ListConfigResources]: listConfigResources,
  [ApiKey.DescribeLogDirs]: describeLogDirs,
  // Coordinators: consumer groups, producer ids, transactions.
  [ApiKey.OffsetCommit]: offsetCommit,
  [ApiKey.OffsetFetch]: offsetFetch,
  [ApiKey.FindCoordinator]: findCoordinator,
  [ApiKey.JoinGroup]: joinGroup,
  [ApiKey.Heartbeat]: heartbeat,
  [ApiKey.LeaveGroup]: leaveGroup,
  [ApiKey.SyncGroup]: syncGroup,
  [ApiKey.DescribeGroups]: describeGroups,
  [ApiKey.ListGroups]: listGroups,
  [ApiKey.DeleteGroups]: deleteGroups,
  [ApiKey.OffsetDelete]: offsetDelete,
  [ApiKey.InitProducerId]: initProducerId,
  [ApiKey.AddPartitionsToTxn]: addPartitionsToTxn,
  [ApiKey.AddOffsetsToTxn]: addOffsetsToTxn,
  [ApiKey.EndTxn]: endTxn,
  [ApiKey.TxnOffsetCommit]: txnOffsetCommit,
  [ApiKey.DescribeTransactions]: describeTransactions,
  [ApiKey.ListTransactions]: listTransactions,
  [ApiKey.DescribeProducers]: describeProducers,
  // Served, not advertised: a broker without a metrics plugin (KIP-714).
  [ApiKey.GetTelemetrySubscriptions]: getTelemetrySubscriptions,
  [ApiKey.PushTelemetry]: pushTelemetry,
  [ApiKey.ConsumerGroupHeartbeat]: consumerGroupHeartbeat,
  [ApiKey.ConsumerGroupDescribe]: consumerGroupDescribe,
  // Share groups (KIP-932).
  [ApiKey.ShareGroupHeartbeat]: shareGroupHeartbeat,
  [ApiKey.ShareGroupDescribe]: shareGroupDescribe,
  [ApiKey.ShareFetch]: shareFetch,
  [ApiKey.ShareAcknowledge]: shareAcknowledge,
  [ApiKey.DescribeShareGroupOffsets]: describeShareGroupOffsets,
  [ApiKey.AlterShareGroupOffsets]: alterShareGroupOffsets,
  [ApiKey.DeleteShareGroupOffsets]: deleteShareGroupOffsets,
  // Authentication on SASL listeners (the connection's SaslAuthentication).
  [ApiKey.SaslHandshake]: saslHandshake,
  [ApiKey.SaslAuthenticate]: saslAuthenticate,
  [ApiKey.StreamsGroupHeartbeat]: streamsGroupHeartbeat,
  [ApiKey.StreamsGroupDescribe]: streamsGroupDescribe,
  // Security administration: ACLs and SCRAM credentials, kept in the security store.
  [ApiKey.CreateAcls]: createAcls,
  [ApiKey.DescribeAcls]: describeAcls,
  [ApiKey.DeleteAcls]: deleteAcls,
  [ApiKey.DescribeUserScramCredentials]: describeUserScramCredentials,
  [ApiKey.AlterUserScramCredentials]: alterUserScramCredentials,
  [ApiKey.DescribeClientQuotas]: describeClientQuotas,
  [ApiKey.AlterClientQuotas]: alterClientQuotas,
};

let advertised: ApiVersionsResponseApiVersion[] | null = null;

/** The ApiVersions list, by key (handlers that are served but not advertised left out). */
export function advertisedApiVersions(): ApiVersionsResponseApiVersion[] {
  advertised ??= Object.values(HANDLERS)
    .filter((h) => h.advertised !== false)
    .map((h) => ({ apiKey: h.key, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion })).sort((a, b) => a.apiKey - b.apiKey);
  return advertised;
}

export type { ApiHandler, RequestContext, ConnectionScope } from './types.js';
