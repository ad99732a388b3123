// ListGroups (16): every group, with state (v4+, with a state filter) and type (v5+, with a type
// filter): classic and consumer groups from the group coordinator, share groups from theirs.
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
      const states = new Set((req.statesFilter ?? []).map((s) => s.toLowerCase()));
      const types = new Set((req.typesFilter ?? []).map((s) => s.toLowerCase()));
      const shares = types.size === 0 || types.has('share') ? ctx.coordinators.shareGroups.list().filter((g) => states.size === 0 || states.has(g.state.toLowerCase())) : [];
      const listed: Array<{ groupId: string; protocolType: string; state: string; type: string }> = [
        ...ctx.coordinators.groups.listGroups(req.statesFilter ?? [], req.typesFilter ?? []),
        ...shares.map((g) => ({ groupId: g.groupId, protocolType: 'share', state: g.state, type: 'share' })),
      ];
      const all = ctx.authorize('DESCRIBE', CLUSTER, false);
      const visible = all ? listed : listed.filter((g) => ctx.authorize('DESCRIBE', groupResource(g.groupId), false));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: visible.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code, groups: [] };
    }
  },
});
