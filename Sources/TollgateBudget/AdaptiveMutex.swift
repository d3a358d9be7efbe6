#if canImport(Glibc)
import Glibc
#endif

/// A value behind a glibc adaptive mutex (PTHREAD_MUTEX_ADAPTIVE_NP), for the hot-path locks
/// (budget counters, WAL append queues).
///
/// Why not Synchronization's Mutex there: on Linux it is a priority-inheritance futex, which
/// hands the lock to a parked waiter on unlock. With more loops than cores (or a busy host) every
/// request to the shared global budget then waits for the next owner to be scheduled: a lock
/// convoy (scripts/bench-budget: reserve p50 90 µs, p99 250 µs at 8 threads on 2 cores). The
/// adaptive mutex spins briefly and lets a running thread take the lock, so holds stay short
/// (same bench: p50 0.7 µs, p99 1.6 µs). Holds are ~100 ns, so unfairness cannot starve anyone.
final class AdaptiveMutex<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // Only touched with `mutex` held.
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attr)
        pthread_mutexattr_destroy(&attr)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
