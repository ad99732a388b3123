// Public surface of core/streams: JetStream's view of the log, for the $JS.API front-end, the
// JetStream consumer coordinator, the monitor and the broker.
export type * from './types.js';
export { subjectFilter, subjectsCollide, subjectIsSubset } from './subject-filter.js';
