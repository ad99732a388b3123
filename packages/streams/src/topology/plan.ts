// The sub-topologies of a topology: nodes connected by parent/child edges or by a shared store
// form one sub-topology (a sink and the source reading the same repartition topic do not: that
// topic is the boundary). Numbered as Kafka Streams numbers them: by the sorted names of their
// source nodes, so that task ids (`<subtopology>_<partition>`) match a Java application's.
import type { ProcessorNode, SourceNode, Topology, TopologyNode } from './topology.js';

export interface Subtopology {
  readonly id: number;
  /** Node names in the order they were added to the topology. */
  readonly nodes: string[];
  readonly sources: SourceNode[];
  /** Source topic names as written in the topology (internal ones without the application id). */
  readonly sourceTopics: string[];
  readonly stores: string[];
  /** Global sub-topologies feed a global store; they make no tasks. */
  readonly global: boolean;
}

export function subtopologies(topology: Topology): Subtopology[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (c !== r) {
      const n = parent.get(c)!;
      parent.set(c, r);
      c = n;
    }
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const name of topology.nodes.keys()) parent.set(name, name);
  const storeOwner = new Map<string, string>();
  for (const node of topology.nodes.values()) {
    for (const p of node.parents) union(node.name, p);
    if (node.kind === 'processor') {
      for (const s of node.stores) {
        if (topology.globalStores.has(s)) continue;
        const owner = storeOwner.get(s);
        if (owner) union(owner, node.name);
        else storeOwner.set(s, node.name);
      }
    }
  }
  const groups = new Map<string, TopologyNode[]>();
  for (const node of topology.nodes.values()) {
    const r = find(node.name);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(node);
  }
  const globalSources = new Set([...topology.globalStores.values()].map((g) => g.sourceName));
  const keyed = [...groups.values()].map((nodes) => {
    const sources = nodes.filter((n): n is SourceNode => n.kind === 'source');
    const sortKey = sources.map((s) => s.name).sort()[0] ?? [...nodes.map((n) => n.name)].sort()[0]!;
    return { nodes, sources, sortKey };
  });
  // Java numbers groups by first visiting source nodes in sorted order, then the other nodes.
  keyed.sort((a, b) => {
    const as = a.sources.length > 0 ? 0 : 1;
    const bs = b.sources.length > 0 ? 0 : 1;
    if (as !== bs) return as - bs;
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  });
  return keyed.map((g, id) => {
    const global = g.sources.some((s) => globalSources.has(s.name));
    const stores = new Set<string>();
    for (const n of g.nodes) if (n.kind === 'processor') for (const s of (n as ProcessorNode).stores) if (global === topology.globalStores.has(s)) stores.add(s);
    return {
      id,
      nodes: g.nodes.map((n) => n.name),
      sources: g.sources,
      sourceTopics: g.sources.flatMap((s) => s.topics),
      stores: [...stores],
      global,
    };
  });
}
