// topology.describe(): the same text as Kafka Streams' TopologyDescription.toString(), so that a
// TypeScript topology can be compared line by line with its Java counterpart. Nodes of a
// sub-topology are listed by the size of their sub-tree (largest first), then by name, as Java's
// NodeComparator orders them.
import { subtopologies, type Subtopology } from './plan.js';
import type { Topology, TopologyNode } from './topology.js';

export interface NodeDescription {
  readonly name: string;
  readonly kind: 'source' | 'processor' | 'sink';
  readonly topics?: string[];
  readonly topic?: string;
  readonly stores?: string[];
  readonly successors: string[];
  readonly predecessors: string[];
}

export interface SubtopologyDescription {
  readonly id: number;
  readonly global: boolean;
  readonly nodes: NodeDescription[];
}

export interface TopologyDescription {
  readonly subtopologies: SubtopologyDescription[];
  toString(): string;
}

function describeSubtopology(topology: Topology, st: Subtopology): SubtopologyDescription {
  const inGroup = new Set(st.nodes);
  const size = new Map<string, number>();
  const sizeOf = (name: string): number => {
    const known = size.get(name);
    if (known !== undefined) return known;
    const node = topology.nodes.get(name)!;
    let s = 1;
    for (const c of node.children) if (inGroup.has(c)) s += sizeOf(c);
    size.set(name, s);
    return s;
  };
  const cmp = (a: string, b: string) => {
    const d = sizeOf(b) - sizeOf(a);
    if (d !== 0) return d;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  const describe = (node: TopologyNode): NodeDescription => {
    const successors = node.children.filter((c) => inGroup.has(c)).sort(cmp);
    const predecessors = node.parents.filter((p) => inGroup.has(p)).sort(cmp);
    if (node.kind === 'source') return { name: node.name, kind: 'source', topics: node.pattern ? [node.pattern.source] : [...node.topics], successors, predecessors };
    if (node.kind === 'sink') return { name: node.name, kind: 'sink', topic: typeof node.topic === 'string' ? node.topic : 'extractor', successors, predecessors };
    return { name: node.name, kind: 'processor', stores: [...node.stores], successors, predecessors };
  };
  const names = [...st.nodes].sort(cmp);
  return { id: st.id, global: st.global, nodes: names.map((n) => describe(topology.nodes.get(n)!)) };
}

function list(names: string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

function nodeText(n: NodeDescription): string {
  if (n.kind === 'source') return `Source: ${n.name} (topics: [${(n.topics ?? []).join(', ')}])\n      --> ${list(n.successors)}`;
  if (n.kind === 'sink') return `Sink: ${n.name} (topic: ${n.topic})\n      <-- ${list(n.predecessors)}`;
  return `Processor: ${n.name} (stores: [${(n.stores ?? []).join(', ')}])\n      --> ${list(n.successors)}\n      <-- ${list(n.predecessors)}`;
}

export function describeTopology(topology: Topology): TopologyDescription {
  const subs = subtopologies(topology).map((st) => describeSubtopology(topology, st));
  return {
    subtopologies: subs,
    toString() {
      let out = 'Topologies:\n ';
      for (const s of [...subs].sort((a, b) => a.id - b.id)) {
        out += '  ';
        if (s.global) out += `Sub-topology: ${s.id} for global store (will not generate tasks)\n` + s.nodes.map((n) => `    ${nodeText(n)}\n`).join('');
        else out += `Sub-topology: ${s.id}\n` + s.nodes.map((n) => `    ${nodeText(n)}\n`).join('') + '\n';
      }
      return out;
    },
  };
}
