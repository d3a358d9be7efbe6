import Glibc

/// Blocks the given signals in the calling thread (and so in every thread started after it)
/// and waits for them synchronously, so handlers never run on an event-loop thread.
public struct SignalWaiter {
    private var set = sigset_t()

    public init(_ signals: [Int32]) {
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    public func wait() -> Int32 {
        var s = set
        var sig: Int32 = 0
        while sigwait(&s, &sig) != 0 {}
        return sig
    }
}
