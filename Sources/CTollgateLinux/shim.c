#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>
#include "CTollgateLinux.h"

int tg_accept4(int fd, void *addr, unsigned int *addrlen, int flags) {
    return accept4(fd, (struct sockaddr *)addr, (socklen_t *)addrlen, flags);
}

const void *tg_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen) {
    return memmem(haystack, hlen, needle, nlen);
}
