/* syncorder: an LD_PRELOAD shim for tests (tests/test_durability.py), never for production.
 *
 * It records, in order, every write, truncation and sync the process makes to the files whose
 * path contains one of the colon-separated strings of SYNCORDER_MATCH, into the file
 * SYNCORDER_LOG, so that a test can rebuild what each file held at any moment, and what a
 * power cut at that moment would have kept: only what was synced (fsync, fdatasync).
 *
 * Record: op (1 byte: 'W' write, 'T' truncate, 'S' sync), path length (4 bytes, little
 * endian), path, offset (8 bytes), length (8 bytes), then for 'W' the bytes written. For 'T'
 * the offset is the new size; for 'S' both are 0. Writes go on with the real call's result:
 * only what was written is recorded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -2;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);

static void resolve(void) {
    if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
    if (!real_pwrite) real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    if (!real_pwrite64) real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    if (!real_writev) real_writev = dlsym(RTLD_NEXT, "writev");
    if (!real_fsync) real_fsync = dlsym(RTLD_NEXT, "fsync");
    if (!real_fdatasync) real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    if (!real_ftruncate) real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    if (!real_ftruncate64) real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
}

static void raw_all(const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = syscall(SYS_write, log_fd, p, len);
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

/* The path of fd when it is a watched file (into out), else 0. */
static size_t watched(int fd, char *out, size_t size) {
    const char *match = getenv("SYNCORDER_MATCH");
    const char *log = getenv("SYNCORDER_LOG");
    if (!match || !log || fd < 0) return 0;
    if (log_fd == -2) {
        log_fd = (int)syscall(SYS_open, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    if (log_fd < 0 || fd == log_fd) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    if (n <= 0) return 0;
    out[n] = 0;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", match);
    for (char *save = NULL, *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        if (*tok && strstr(out, tok)) return (size_t)n;
    }
    return 0;
}

static void record(char op, const char *path, size_t path_len, uint64_t offset, const void *data, uint64_t len) {
    uint32_t plen = (uint32_t)path_len;
    pthread_mutex_lock(&lock);
    raw_all(&op, 1);
    raw_all(&plen, 4);
    raw_all(path, path_len);
    raw_all(&offset, 8);
    raw_all(&len, 8);
    if (op == 'W' && len) raw_all(data, (size_t)len);
    pthread_mutex_unlock(&lock);
}

static uint64_t position(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_APPEND)) {
        struct stat st;
        if (fstat(fd, &st) == 0) return (uint64_t)st.st_size;
    }
    off_t at = lseek(fd, 0, SEEK_CUR);
    return at < 0 ? 0 : (uint64_t)at;
}

ssize_t write(int fd, const void *buf, size_t count) {
    resolve();
    char path[4096];
    size_t n = watched(fd, path, sizeof path);
    if (!n) return real_write(fd, buf, count);
    int saved;
    pthread_mutex_lock(&lock); /* the position and the write, as one step */
    uint64_t at = position(fd);
    ssize_t done = real_write(fd, buf, count);
    saved = errno;
    pthread_mutex_unlock(&lock);
    if (done > 0) record('W', path, n, at, buf, (uint64_t)done);
    errno = saved;
    return done;
}

static ssize_t pwrite_common(ssize_t (*real)(int, const void *, size_t, off_t), int fd, const void *buf, size_t count,
                             off_t offset) {
    char path[4096];
    size_t n = watched(fd, path, sizeof path);
    ssize_t done = real(fd, buf, count, offset);
    int saved = errno;
    if (n && done > 0) record('W', path, n, (uint64_t)offset, buf, (uint64_t)done);
    errno = saved;
    return done;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    resolve();
    return pwrite_common(real_pwrite, fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    resolve();
    return pwrite_common(real_pwrite64, fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    resolve();
    char path[4096];
    size_t n = watched(fd, path, sizeof path);
    if (!n) return real_writev(fd, iov, iovcnt);
    pthread_mutex_lock(&lock);
    uint64_t at = position(fd);
    ssize_t done = real_writev(fd, iov, iovcnt);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    ssize_t left = done;
    for (int i = 0; i < iovcnt && left > 0; i++) {
        size_t part = iov[i].iov_len < (size_t)left ? iov[i].iov_len : (size_t)left;
        record('W', path, n, at, iov[i].iov_base, part);
        at += part;
        left -= (ssize_t)part;
    }
    errno = saved;
    return done;
}

static int sync_common(int (*real)(int), int fd) {
    char path[4096];
    size_t n = watched(fd, path, sizeof path);
    int result = real(fd);
    int saved = errno;
    if (n && result == 0) record('S', path, n, 0, NULL, 0);
    errno = saved;
    return result;
}

int fsync(int fd) {
    resolve();
    return sync_common(real_fsync, fd);
}

int fdatasync(int fd) {
    resolve();
    return sync_common(real_fdatasync, fd);
}

static int truncate_common(int (*real)(int, off_t), int fd, off_t length) {
    char path[4096];
    size_t n = watched(fd, path, sizeof path);
    int result = real(fd, length);
    int saved = errno;
    if (n && result == 0) record('T', path, n, (uint64_t)length, NULL, 0);
    errno = saved;
    return result;
}

int ftruncate(int fd, off_t length) {
    resolve();
    return truncate_common(real_ftruncate, fd, length);
}

int ftruncate64(int fd, off_t length) {
    resolve();
    return truncate_common(real_ftruncate64, fd, length);
}
