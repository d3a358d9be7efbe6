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

    /// Waits up to `timeout` seconds (forever when nil); nil when the time passed.
    public func wait(timeout: Double?) -> Int32? {
        guard let timeout else { return wait() }
        var s = set
        var ts = timespec(tv_sec: Int(timeout), tv_nsec: Int((timeout - Double(Int(timeout))) * 1e9))
        while true {
            let sig = sigtimedwait(&s, nil, &ts)
            if sig > 0 { return sig }
            if errno == EAGAIN { return nil }
        }
    }

    public func wait() -> Int32 {
        var s = set
        var sig: Int32 = 0
        while sigwait(&s, &sig) != 0 {}
        return sig
    }
}
