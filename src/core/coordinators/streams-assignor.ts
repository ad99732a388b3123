// The broker-side task assignor of streams groups (KIP-1071): sticky and balanced active tasks,
// standby replicas of stateful tasks, and warm-up tasks.
//   - Active tasks stay with the member that had them where the balance allows (each member gets
//     floor(T/M) or one more, and at most ceil(n/M) of a subtopology's n tasks while sticking),
//     then go to a member of a process that kept the task's state as a standby or warm-up, then
//     to the least loaded member (fewest of that subtopology on a tie).
//   - Standby tasks: `numStandbyReplicas` copies of each stateful task on processes other than
//     the active one's, previous holders first, then the processes with the fewest standbys.
//   - Warm-up tasks (when `maxWarmupReplicas` > 0): a stateful task that the balance moves to a
//     member whose process is not caught up (its reported lag above `acceptableRecoveryLag`, or
//     unknown) stays active where it was, and the new member warms the state up first; once it
//     reports the lag caught up, the next assignment moves the active task. Stateless tasks move
//     at once. Kafka 4.4's own sticky assignor computes no warm-ups; the default of 0 behaves as it does.
// Pure: no timers, no I/O; the streams group coordinator calls it with its members' state.

export type TaskMap = Map<string, Set<number>>;

export interface TaskAssignment {
  active: TaskMap;
  standby: TaskMap;
  warmup: TaskMap;
}

export interface AssignorMember {
  memberId: string;
  processId: string;
  /** The member's previous target assignment. */
  previous: TaskAssignment;
  /** Changelog lag per task (`subtopology:partition`), as last reported; absent when unknown. */
  lags: Map<string, number>;
}

export interface AssignorOptions {
  numStandbyReplicas: number;
  maxWarmupReplicas: number;
  acceptableRecoveryLag: number;
}

export const taskKey = (subtopologyId: string, partition: number): string => `${subtopologyId}:${partition}`;

export function emptyTasks(): TaskAssignment {
  return { active: new Map(), standby: new Map(), warmup: new Map() };
}

function addTask(m: TaskMap, s: string, p: number): void {
  let set = m.get(s);
  if (!set) m.set(s, (set = new Set()));
  set.add(p);
}

const hasTask = (m: TaskMap, s: string, p: number): boolean => m.get(s)?.has(p) ?? false;

/**
 * Computes the target assignment of every member. `tasks` is subtopology id -> number of tasks,
 * `stateful` the subtopologies with state stores.
 */
export function assignStreamsTasks(members: AssignorMember[], tasks: Map<string, number>, stateful: Set<string>, o: AssignorOptions): Map<string, TaskAssignment> {
  const out = new Map<string, TaskAssignment>(members.map((m) => [m.memberId, emptyTasks()]));
  if (members.length === 0) return out;
  const ids = members.map((m) => m.memberId).sort();
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const all: Array<[string, number]> = [];
  for (const s of [...tasks.keys()].sort()) for (let p = 0; p < tasks.get(s)!; p++) all.push([s, p]);

  // Balance: every member gets `base` tasks, `extra` of them one more.
  const base = Math.floor(all.length / ids.length);
  let extra = all.length % ids.length;
  const load = new Map(ids.map((id) => [id, 0]));
  const fits = (id: string): boolean => load.get(id)! < base || (load.get(id)! === base && extra > 0);
  // Each subtopology is spread too: a member keeps at most ceil(n/M) of its tasks while sticking.
  const perSub = (id: string, s: string): number => out.get(id)!.active.get(s)?.size ?? 0;
  const subCap = (s: string): number => Math.ceil(tasks.get(s)! / ids.length);
  const canTake = (id: string, s?: string): boolean => fits(id) && (s === undefined || perSub(id, s) < subCap(s));
  const give = (id: string, s: string, p: number): void => {
    if (load.get(id)! === base) extra--;
    load.set(id, load.get(id)! + 1);
    addTask(out.get(id)!.active, s, p);
  };
  const owner = new Map<string, string>();
  const previousActive = new Map<string, string>();
  for (const id of ids) for (const [s, ps] of byId.get(id)!.previous.active) for (const p of ps) previousActive.set(taskKey(s, p), id);

  // 1. Sticky: the previous active owner keeps the task while the balance allows.
  for (const [s, p] of all) {
    const prev = previousActive.get(taskKey(s, p));
    if (prev !== undefined && canTake(prev, s)) {
      give(prev, s, p);
      owner.set(taskKey(s, p), prev);
    }
  }
  // 2. A member of a process that holds the task's state (standby or warm-up) takes it next.
  for (const [s, p] of all) {
    if (owner.has(taskKey(s, p))) continue;
    const holders = ids.filter((id) => canTake(id, s) && (hasTask(byId.get(id)!.previous.standby, s, p) || hasTask(byId.get(id)!.previous.warmup, s, p)));
    holders.sort((a, b) => load.get(a)! - load.get(b)!);
    if (holders.length > 0) {
      give(holders[0]!, s, p);
      owner.set(taskKey(s, p), holders[0]!);
    }
  }
  // 3. The rest to the least loaded members.
  for (const [s, p] of all) {
    if (owner.has(taskKey(s, p))) continue;
    let best: string | null = null;
    const better = (a: string, b: string): boolean => load.get(a)! < load.get(b)! || (load.get(a)! === load.get(b)! && perSub(a, s) < perSub(b, s));
    for (const id of ids) if (canTake(id) && (best === null || better(id, best))) best = id;
    if (best === null) best = ids.reduce((a, b) => (better(b, a) ? b : a));
    give(best, s, p);
    owner.set(taskKey(s, p), best);
  }

  // Warm-ups: a stateful task moved to a member that is not caught up stays where it was.
  let warmups = 0;
  if (o.maxWarmupReplicas > 0) {
    for (const [s, p] of all) {
      if (!stateful.has(s) || warmups >= o.maxWarmupReplicas) continue;
      const k = taskKey(s, p);
      const prev = previousActive.get(k);
      const now = owner.get(k)!;
      if (prev === undefined || prev === now) continue;
      const lag = byId.get(now)!.lags.get(k);
      if (lag !== undefined && lag <= o.acceptableRecoveryLag) continue;
      out.get(now)!.active.get(s)!.delete(p);
      addTask(out.get(prev)!.active, s, p);
      addTask(out.get(now)!.warmup, s, p);
      owner.set(k, prev);
      warmups++;
    }
  }

  // Standbys: on processes other than the active's (and the warm-up's), previous holders first.
  if (o.numStandbyReplicas > 0) {
    const standbyLoad = new Map(ids.map((id) => [id, 0]));
    for (const [s, p] of all) {
      if (!stateful.has(s)) continue;
      const activeProcess = byId.get(owner.get(taskKey(s, p))!)!.processId;
      const used = new Set([activeProcess]);
      for (const id of ids) if (hasTask(out.get(id)!.warmup, s, p)) used.add(byId.get(id)!.processId);
      for (let r = 0; r < o.numStandbyReplicas; r++) {
        const eligible = ids.filter((id) => !used.has(byId.get(id)!.processId));
        if (eligible.length === 0) break;
        eligible.sort((a, b) => {
          const pa = hasTask(byId.get(a)!.previous.standby, s, p) ? 0 : 1;
          const pb = hasTask(byId.get(b)!.previous.standby, s, p) ? 0 : 1;
          return pa - pb || standbyLoad.get(a)! - standbyLoad.get(b)! || (a < b ? -1 : 1);
        });
        const id = eligible[0]!;
        addTask(out.get(id)!.standby, s, p);
        standbyLoad.set(id, standbyLoad.get(id)! + 1);
        used.add(byId.get(id)!.processId);
      }
    }
  }
  return out;
}
