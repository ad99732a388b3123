// Subject transforms of streams (subject_transform, source subject_transforms, republish): the
// mapping language of core/routing/subject-transform.ts (nats-server's, written once for the
// broker's mappings and for streams: docs/jetstream.md 1.14), with the match of the source
// pattern these users need before applying it.
import { subjectMatches } from '../routing/subject.js';
import { SubjectTransform, SubjectTransformError } from '../routing/subject-transform.js';

export class SubjectTransformer {
  private constructor(private readonly t: SubjectTransform) {}

  /** A transformer, or nats-server's error text when the pair is not valid. An empty `src` means '>'. */
  static compile(src: string | undefined, dest: string): SubjectTransformer | string {
    try {
      return new SubjectTransformer(SubjectTransform.compile(src === undefined || src === '' ? '>' : src, dest));
    } catch (e) {
      if (e instanceof SubjectTransformError) return e.message;
      throw e;
    }
  }

  /** The transformed subject, or null when `subject` does not match the source. */
  apply(subject: string): string | null {
    if (!subjectMatches(this.t.source, subject)) return null;
    return this.t.apply(subject.split('.'), subject);
  }
}
