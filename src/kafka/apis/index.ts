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
