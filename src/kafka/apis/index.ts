// The API table: one handler per API key, each in its own file. ApiVersions advertises exactly
// what is here, so adding an API is adding a file and a line.
import type { ApiVersionsResponseApiVersion } from '../protocol/messages/api-versions.js';
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
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { consumerGroupDescribe } from './consumer-group-describe.js';

const ALL: ApiHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  offsetForLeaderEpoch,
  describeConfigs,
  alterConfigs,
  createPartitions,
  incrementalAlterConfigs,
  describeCluster,
  // Coordinators: consumer groups, producer ids, transactions.
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  deleteGroups,
  offsetDelete,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeTransactions,
  listTransactions,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
];

/** Handlers by API key (holes are APIs Wharf does not serve). */
export const HANDLERS: readonly (ApiHandler | undefined)[] = (() => {
  const t: (ApiHandler | undefined)[] = [];
  for (const h of ALL) t[h.key] = h;
  return t;
})();

let advertised: ApiVersionsResponseApiVersion[] | null = null;

/** The ApiVersions list, by key. */
export function advertisedApiVersions(): ApiVersionsResponseApiVersion[] {
  advertised ??= HANDLERS.flatMap((h) => (h ? [{ apiKey: h.key, minVersion: h.minVersion, maxVersion: h.maxVersion }] : []));
  return advertised;
}

export type { ApiHandler, RequestContext, ConnectionScope } from './types.js';
