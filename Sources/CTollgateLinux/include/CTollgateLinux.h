#ifndef TOLLGATE_CLINUX_H
#define TOLLGATE_CLINUX_H
// Linux facilities that Swift's Glibc module does not export. Only headers that Glibc does not
// already pull in are included here (re-including glibc headers breaks the module map).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <stddef.h>

// accept4 and memmem need _GNU_SOURCE; wrapped in the .c file with plain pointer types.
int tg_accept4(int fd, void *addr, unsigned int *addrlen, int flags);
const void *tg_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);
#endif
