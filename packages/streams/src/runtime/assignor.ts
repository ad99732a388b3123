// The stream assignor (what the group leader runs): tasks to members, sticky and balanced, with
// standby replicas of stateful tasks on other members, cooperative in two rounds. A task that
// moves from a member that still holds it is left unassigned in this round and the group is
// asked for another one; its old owner revokes it (committing first) and rejoins, and the next
// round gives it to its new owner. Nothing else stops: no stop-the-world rebalance.
import type { TopicPartitions } from './group-protocol.js';

export interface TaskInfo {
  readonly id: string;
  readonly stateful: boolean;
  readonly partitions: ReadonlyArray<{ topic: string; partition: number }>;
}

export interface MemberInfo {
  readonly memberId: string;
  readonly processId: string;
  /** Tasks the member runs now (its owned partitions, as the member reports them). */
  readonly active: ReadonlyArray<string>;
  /** Tasks whose state the member keeps (standbys, or stores left on disk). */
  readonly standby: ReadonlyArray<string>;
}

export interface MemberAssignment {
  readonly active: string[];
  readonly standby: string[];
  readonly partitions: TopicPartitions[];
}

export interface AssignmentResult {
  readonly members: Map<string, MemberAssignment>;
  /** Some tasks were held back for a second round. */
  readonly followup: boolean;
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function assignTasks(tasks: ReadonlyArray<TaskInfo>, members: ReadonlyArray<MemberInfo>, numStandbys: number): AssignmentResult {
  const ids = members.map((m) => m.memberId).sort(byId);
  const out = new Map<string, { active: string[]; standby: string[] }>();
  for (const id of ids) out.set(id, { active: [], standby: [] });
  if (ids.length === 0) return { members: new Map(), followup: false };
  const capacity = Math.ceil(tasks.length / ids.length);
  const owner = new Map<string, string>();
  for (const m of members) for (const t of m.active) if (!owner.has(t)) owner.set(t, m.memberId);
  const desired = new Map<string, string>();
  const load = (id: string) => out.get(id)!.active.length;
  const place = (task: string, id: string) => {
    desired.set(task, id);
    out.get(id)!.active.push(task);
  };
  const sorted = [...tasks].sort((a, b) => byId(a.id, b.id));
  // 1. Sticky: a task stays with the member running it while that member has room.
  for (const t of sorted) {
    const o = owner.get(t.id);
    if (o && out.has(o) && load(o) < capacity) place(t.id, o);
  }
  // 2. Warm: a stateful task goes where its state is (a standby) when there is room.
  for (const t of sorted) {
    if (desired.has(t.id) || !t.stateful) continue;
    const warm = members.filter((m) => m.standby.includes(t.id) && load(m.memberId) < capacity).sort((a, b) => load(a.memberId) - load(b.memberId) || byId(a.memberId, b.memberId))[0];
    if (warm) place(t.id, warm.memberId);
  }
  // 3. The rest to the least loaded member.
  for (const t of sorted) {
    if (desired.has(t.id)) continue;
    const target = [...ids].sort((a, b) => load(a) - load(b) || byId(a, b))[0]!;
    place(t.id, target);
  }
  // Cooperative: a task still held by another member is not handed over in this round.
  let followup = false;
  for (const t of sorted) {
    const o = owner.get(t.id);
    const d = desired.get(t.id)!;
    if (o && o !== d && out.has(o)) {
      followup = true;
      const list = out.get(d)!.active;
      list.splice(list.indexOf(t.id), 1);
    }
  }
  // Standbys: stateful tasks get replicas on other members, spread evenly.
  if (numStandbys > 0) {
    for (const t of sorted) {
      if (!t.stateful) continue;
      const active = desired.get(t.id)!;
      const candidates = ids.filter((id) => id !== active);
      const hasState = (id: string) => members.find((m) => m.memberId === id)!.standby.includes(t.id) || owner.get(t.id) === id;
      // Balanced first (standbys cost restoration traffic), then where state already is.
      candidates.sort((a, b) => out.get(a)!.standby.length - out.get(b)!.standby.length || Number(hasState(b)) - Number(hasState(a)) || byId(a, b));
      for (const id of candidates.slice(0, numStandbys)) out.get(id)!.standby.push(t.id);
    }
  }
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  const result = new Map<string, MemberAssignment>();
  for (const [id, a] of out) {
    const byTopic = new Map<string, number[]>();
    for (const tid of a.active) {
      for (const tp of taskById.get(tid)!.partitions) {
        const l = byTopic.get(tp.topic) ?? [];
        l.push(tp.partition);
        byTopic.set(tp.topic, l);
      }
    }
    result.set(id, { active: a.active.sort(byId), standby: a.standby.sort(byId), partitions: [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((x, y) => x - y) })) });
  }
  return { members: result, followup };
}
