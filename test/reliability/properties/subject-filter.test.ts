// Property tests (fast-check) of the JetStream subject filters (src/core/streams/subject-filter.ts):
// for any filter list of literal, '*' and '>' subjects (tokens of different lengths, so that a
// prefix of one token is not taken for another) and any literal subject, matches() agrees with a
// naive token-by-token matcher, and a subject index counts exactly the messages the naive matcher
// selects (the num_pending of a consumer created with that filter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { subjectFilter } from '../../../src/core/streams/subject-filter.js';
import { SubjectIndex } from '../../../src/core/streams/subject-index.js';
import { naiveSubjectMatch } from '../../support/subject-match.js';


const literalToken = fc.constantFrom('a', 'ab', 'b', 'ba', 'abc');
const filterToken = fc.constantFrom('a', 'ab', 'b', 'ba', 'abc', '*');
const filter = fc
  .tuple(fc.array(filterToken, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens, '>'] : tokens).join('.'));
const literal = fc.array(literalToken, { minLength: 1, maxLength: 4 }).map((t) => t.join('.'));

test('subject filters match exactly what a naive token matcher matches (fast-check)', () => {
  fc.assert(
    fc.property(fc.array(filter, { minLength: 1, maxLength: 3 }), fc.array(literal, { minLength: 1, maxLength: 20 }), (filters, subjects) => {
      const f = subjectFilter(filters);
      for (const s of subjects) {
        const expected = filters.some((x) => naiveSubjectMatch(x, s));
        assert.equal(f === null ? true : f.matches(s), expected, `${JSON.stringify(filters)} on ${s}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a subject index counts what the filter selects from any start (fast-check)', () => {
  fc.assert(
    fc.property(fc.array(filter, { minLength: 1, maxLength: 2 }), fc.array(literal, { minLength: 1, maxLength: 40 }), fc.nat(45), (filters, subjects, from) => {
      const ix = new SubjectIndex();
      subjects.forEach((s, i) => ix.add(i + 1, s, 10, 1000 + i));
      const f = subjectFilter(filters);
      const expected = subjects.filter((s, i) => i + 1 >= from && filters.some((x) => naiveSubjectMatch(x, s))).length;
      assert.equal(ix.count(from, f, false), expected);
    }),
    // A list naming one subject twice counts its messages once (found by this property).
    { numRuns: 1000, examples: [[['b', 'b'], ['b', 'a'], 0]] },
  );
});
