// Counts how often a 100 ms pthread_cond_timedwait on a CLOCK_MONOTONIC condition (what the JVM's
// Object.wait and parkNanos use) returns in 500 ms: about 5 normally. Under libfaketime 0.9.10 on
// glibc, with its automatic "monotonic fix", it returns at once, every time (about a million):
// clock-jump-skip.test.ts runs it with the clock-jump fault's environment.
#include <pthread.h>
#include <stdio.h>
#include <time.h>
int main(void) {
  pthread_condattr_t a; pthread_condattr_init(&a); pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_t c; pthread_cond_init(&c, &a); pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  struct timespec now, end, t; clock_gettime(CLOCK_MONOTONIC, &end); end.tv_nsec += 500000000; if (end.tv_nsec >= 1000000000) { end.tv_sec++; end.tv_nsec -= 1000000000; }
  long wakes = 0; pthread_mutex_lock(&m);
  for (;;) { clock_gettime(CLOCK_MONOTONIC, &now); if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) break;
    t = now; t.tv_nsec += 100000000; if (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
    pthread_cond_timedwait(&c, &m, &t); wakes++; }
  printf("%ld\n", wakes); return 0; }
