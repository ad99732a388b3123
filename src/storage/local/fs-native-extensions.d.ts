// Types of the part of fs-native-extensions (a CommonJS module that ships no types) that the
// data-directory lock uses. On Linux its locks are open-file-description locks (F_OFD_SETLK):
// they conflict between two opens of the file even in one process, and the kernel drops them
// when the last descriptor of the open closes, including when the process dies.
declare module 'fs-native-extensions' {
  /** Takes an exclusive (or, with `shared`, a shared) lock without waiting; false when another open holds a conflicting one. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  /** Releases the lock held through `fd`. */
  export function unlock(fd: number): void;
}
