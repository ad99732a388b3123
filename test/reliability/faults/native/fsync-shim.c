/*
 * An LD_PRELOAD shim over fsync/fdatasync for the reliability harness (test/reliability/faults).
 *  - WHARF_FSYNC_DELAY_MS=N: every fsync and fdatasync first sleeps N ms (a slow disk);
 *  - WHARF_FSYNC_LOG=FILE: after every successful fsync/fdatasync, appends "size<TAB>path\n" of
 *    the synced file to FILE, so the harness knows which bytes were durable when it simulates
 *    a power loss (faults/power-loss.ts keeps only those); rename() is logged as
 *    "rename<TAB>old<TAB>new\n" so the durable size follows a file that is renamed after its sync.
 * Works for processes that call libc (Node's libuv, the JVM); Go programs (nats-server) make
 * their system calls directly and are not affected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int log_fd = -2;
static long delay_ms = -1;

static void init(void) {
  if (delay_ms >= 0) return;
  real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
  const char *d = getenv("WHARF_FSYNC_DELAY_MS");
  delay_ms = d ? atol(d) : 0;
  const char *l = getenv("WHARF_FSYNC_LOG");
  log_fd = l ? open(l, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
}

static void pause_ms(void) {
  if (delay_ms <= 0) return;
  struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static void record(int fd) {
  if (log_fd < 0) return;
  char link[64], path[PATH_MAX], line[PATH_MAX + 64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return;
  path[n] = 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  int len = snprintf(line, sizeof line, "%lld\t%s\n", (long long)st.st_size, path);
  if (len > 0 && len < (int)sizeof line) (void)!write(log_fd, line, (size_t)len);
}

int fsync(int fd) {
  init();
  pause_ms();
  int r = real_fsync(fd);
  if (r == 0) record(fd);
  return r;
}

int fdatasync(int fd) {
  init();
  pause_ms();
  int r = real_fdatasync(fd);
  if (r == 0) record(fd);
  return r;
}

int rename(const char *from, const char *to) {
  init();
  int r = real_rename(from, to);
  if (r == 0 && log_fd >= 0) {
    char a[PATH_MAX], b[PATH_MAX], line[2 * PATH_MAX + 16];
    if (realpath(to, b) == NULL) return r;
    /* `from` no longer exists, so realpath() cannot resolve it: make it absolute by hand. */
    if (from[0] == '/') snprintf(a, sizeof a, "%s", from);
    else if (getcwd(a, sizeof a) != NULL) { size_t k = strlen(a); snprintf(a + k, sizeof a - k, "/%s", from); }
    int len = snprintf(line, sizeof line, "rename\t%s\t%s\n", a, b);
    if (len > 0 && len < (int)sizeof line) (void)!write(log_fd, line, (size_t)len);
  }
  return r;
}
