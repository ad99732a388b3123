// Property tests (fast-check) of the sublist (src/core/routing/sublist.ts): after any sequence of
// inserts and removes of plain and queue subscriptions with literal, '*' and '>' tokens, a match
// of any literal subject returns exactly the subscriptions a naive matcher finds, each plain one
// once and each queue group once with exactly its matching members, also when the match cache
// was warmed before the changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Sublist } from '../../../src/core/routing/sublist.js';
import { naiveSubjectMatch } from '../../support/subject-match.js';

interface Sub {
  subject: string;
  queue: string | undefined;
  id: number;
}


const literalToken = fc.constantFrom('a', 'b', 'c');
const filterToken = fc.constantFrom('a', 'b', 'c', '*');
const filter = fc
  .tuple(fc.array(filterToken, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens, '>'] : tokens).join('.'));
const literal = fc.array(literalToken, { minLength: 1, maxLength: 4 }).map((t) => t.join('.'));
const op = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), subject: filter, queue: fc.option(fc.constantFrom('q1', 'q2'), { nil: undefined }) }),
  fc.record({ kind: fc.constant('remove' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('match' as const), subject: literal }),
);

test('sublist matches agree with a naive matcher after any inserts and removes (fast-check)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.array(literal, { minLength: 1, maxLength: 10 }), (ops, probes) => {
      const sl = new Sublist<Sub>();
      const live: Sub[] = [];
      let id = 0;
      const check = () => {
        for (const subject of probes) {
          const r = sl.match(subject);
          const want = live.filter((s) => naiveSubjectMatch(s.subject, subject));
          const plainIds = r.plain.map((s) => s.id).sort((x, y) => x - y);
          assert.deepEqual(plainIds, want.filter((s) => s.queue === undefined).map((s) => s.id).sort((x, y) => x - y), `plain of ${subject}`);
          const groups = new Map<string, number[]>();
          for (const s of want) if (s.queue !== undefined) groups.set(s.queue, [...(groups.get(s.queue) ?? []), s.id]);
          assert.equal(r.queues.length, groups.size, `queue groups of ${subject}`);
          for (const members of r.queues) {
            const q = members[0]!.queue!;
            assert.deepEqual(members.map((s) => s.id).sort((x, y) => x - y), (groups.get(q) ?? []).sort((x, y) => x - y), `members of ${q} for ${subject}`);
          }
        }
      };
      // The probes are matched after every change, so their cached results must follow each one.
      for (const o of ops) {
        if (o.kind === 'insert') {
          const s = { subject: o.subject, queue: o.queue, id: id++ };
          assert.ok(sl.insert(s));
          live.push(s);
        } else if (o.kind === 'remove') {
          if (live.length === 0) continue;
          const [s] = live.splice(o.index % live.length, 1);
          assert.ok(sl.remove(s!));
        } else {
          sl.match(o.subject);
        }
        check();
      }
      check();
    }),
    { numRuns: 400 },
  );
});
