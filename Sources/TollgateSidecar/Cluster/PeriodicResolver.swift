import Glibc
import Synchronization

/// Re-resolves DNS names on its own thread every `interval` seconds (getaddrinfo blocks, so
/// never on an event loop or the sync thread) and hands each answer to `deliver`. Used for the
/// coordinator set: a headless Service's addresses change as pods come and go.
final class PeriodicResolver: @unchecked Sendable {
    let interval: Double
    let resolve: @Sendable () -> [(id: String, name: String)]?
    let deliver: @Sendable ([(id: String, name: String)]) -> Void
    private let running = Atomic<Bool>(false)
    private var thread: pthread_t?

    init(interval: Double, resolve: @escaping @Sendable () -> [(id: String, name: String)]?,
         deliver: @escaping @Sendable ([(id: String, name: String)]) -> Void) {
        self.interval = interval
        self.resolve = resolve
        self.deliver = deliver
    }

    func start() {
        running.store(true, ordering: .releasing)
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let me = Unmanaged<PeriodicResolver>.fromOpaque(arg!).takeRetainedValue()
            me.run()
            return nil
        }, box.toOpaque())
        thread = t
    }

    /// Stops and joins (within one 50 ms nap; a resolution in progress finishes first).
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if let t = thread { pthread_join(t, nil) }
    }

    private func run() {
        let naps = max(1, Int(interval / 0.05))
        while running.load(ordering: .acquiring) {
            for _ in 0..<naps where running.load(ordering: .acquiring) { usleep(50_000) }
            guard running.load(ordering: .acquiring) else { return }
            // A failed or empty answer is dropped: DNS trouble never empties the set.
            if let r = resolve(), !r.isEmpty { deliver(r) }
        }
    }
}
