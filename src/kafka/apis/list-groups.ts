// ListGroups (16): every group, with state (v4+, with a state filter) and type (v5+, with a type filter).
// Authorization, as Kafka: DESCRIBE on the cluster lists every group; without it, only the
// groups the principal may DESCRIBE are listed (no error either way).
import { ApiKey } from '../protocol/messages/index.js';
import { CLUSTER, groupResource } from '../authorization.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

export const listGroups = defineHandler(ApiKey.ListGroups, {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    try {
      const listed = ctx.coordinators.groups.listGroups(req.statesFilter ?? [], req.typesFilter ?? []);
      const all = ctx.authorize('DESCRIBE', CLUSTER);
      const visible = all ? listed : listed.filter((g) => ctx.authorize('DESCRIBE', groupResource(g.groupId)));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: visible.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code, groups: [] };
    }
  },
});
