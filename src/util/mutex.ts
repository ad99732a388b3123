// A promise-chain mutex: runs async critical sections one at a time, in call order. Used to
// keep a partition's structural changes (truncation, segment removal) out of the middle of a
// group write, and maintenance jobs (retention, compaction) out of each other's way.
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => {});
    return result;
  }
}
