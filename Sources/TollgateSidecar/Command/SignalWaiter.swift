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

extension SignalWaiter {
    /// The main thread's life after start-up: reloads the config file on SIGHUP and when the file
    /// changes (polled every `pollInterval` seconds; 0 polls never), and returns the signal that
    /// ends the process (SIGTERM or SIGINT).
    func waitForStop(configPath: String?, pollInterval: Double, reload: () -> Result<String, ConfigError>) -> Int32 {
        var watcher = configPath.map { ConfigFileWatcher(path: $0) }
        let poll = configPath != nil && pollInterval > 0 ? pollInterval : nil
        while true {
            guard let sig = wait(timeout: poll) else {
                if watcher?.changed() == true, let path = configPath { Self.reload(reason: "\(path) changed", reload, &watcher) }
                continue
            }
            guard sig == SIGHUP else { return sig }
            if configPath == nil {
                Log.info("SIGHUP: nothing to reload (no config file)")
            } else {
                Self.reload(reason: "SIGHUP", reload, &watcher)
            }
        }
    }

    /// Applies a reload and logs the outcome; a bad file is remembered too, so it is reported
    /// once, not at every poll.
    static func reload(reason: String, _ apply: () -> Result<String, ConfigError>, _ watcher: inout ConfigFileWatcher?) {
        switch apply() {
        case .success(let hash):
            watcher?.accept(hash: hash)
            Log.info("\(reason): configuration reloaded (sha256 \(hash.prefix(12)))")
        case .failure(let e):
            watcher?.acceptCurrent()
            Log.error("\(reason): reload failed, keeping the running configuration: \(e)")
        }
    }
}
