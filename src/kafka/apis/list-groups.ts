// ListGroups (16): every group, with state (v4+, with a state filter) and type (v5+, with a type filter).
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const listGroups: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  key: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    try {
      const { groups } = coordinatorsOf(ctx.broker);
      const listed = groups.listGroups(req.statesFilter ?? [], req.typesFilter ?? []);
      return { throttleTimeMs: 0, errorCode: 0, groups: listed.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), groups: [] };
    }
  },
};
