/* A clock that a test can step: preloaded into a real redis-server (LD_PRELOAD) by
 * tests/clock_shift.py, it adds to the wall clock (CLOCK_REALTIME, gettimeofday, time) the
 * microseconds held in the file named by CLOCKSHIFT_FILE (8 bytes, little-endian, signed),
 * read through a shared mapping at every call: writing the file steps the server's clock
 * forward or back at once. The monotonic clocks are left alone.
 *
 * libfaketime does the same in general, but clashes with the jemalloc Debian's redis-server
 * is linked with (its initialisation recurses into clock_gettime through jemalloc): this shim
 * calls the kernel directly (syscall), so it needs nothing from the C library to start. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int64_t *shift_us = 0;
static int tried = 0;

static int64_t shift(void) {
    if (!tried) {
        tried = 1;
        const char *path = getenv("CLOCKSHIFT_FILE");
        if (path) {
            long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
            if (fd >= 0) {
                long at = syscall(SYS_mmap, 0, sizeof(int64_t), PROT_READ, MAP_SHARED, fd, 0);
                if (at != -1 && (unsigned long)at < (unsigned long)-4096) shift_us = (volatile int64_t *)at;
                syscall(SYS_close, fd);
            }
        }
    }
    return shift_us ? *shift_us : 0;
}

static void add(struct timespec *ts, int64_t us) {
    int64_t ns = (int64_t)ts->tv_nsec + (us % 1000000) * 1000;
    ts->tv_sec += us / 1000000 + ns / 1000000000;
    ns %= 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        ts->tv_sec -= 1;
    }
    ts->tv_nsec = ns;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    long r = syscall(SYS_clock_gettime, clock, ts);
    if (r == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) add(ts, shift());
    return (int)r;
}

int gettimeofday(struct timeval *tv, void *tz) {
    struct timespec ts;
    (void)tz;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
    if (tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return 0;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}
