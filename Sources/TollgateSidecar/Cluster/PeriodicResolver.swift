import Glibc
import Synchronization

/// Re-resolves DNS names on its own thread every `interval` seconds (getaddrinfo blocks, so
/// never on an event loop or the sync thread) and hands each answer to `deliver`. Used for the
/// coordinator set: a headless Service's addresses change as pods come and go. The names can be
/// replaced while it runs (a configuration reload).
final class PeriodicResolver: @unchecked Sendable {
    typealias Answer = [(id: String, name: String)]
    let interval: Double
    let resolve: @Sendable ([String]) -> Answer?
    let deliver: @Sendable (Answer) -> Void
    /// The names and how many times they were replaced: an answer for replaced names is dropped.
    private let names: Mutex<(list: [String], generation: Int)>
    private let running = Atomic<Bool>(false)
    private var thread: pthread_t?

    init(interval: Double, names: [String], resolve: @escaping @Sendable ([String]) -> Answer?,
         deliver: @escaping @Sendable (Answer) -> Void) {
        self.interval = interval
        self.names = Mutex((names, 0))
        self.resolve = resolve
        self.deliver = deliver
    }

    /// Resolves `list` from the next round on. `then` runs under the same lock that delivery
    /// takes, so no answer for the old names is delivered after it (a reload delivers its own
    /// answer in `then`).
    func replaceNames(_ list: [String], then: () -> Void = {}) {
        names.withLock {
            $0 = (list, $0.generation + 1)
            then()
        }
    }

    func start() {
        running.store(true, ordering: .releasing)
        thread = startThread { [self] in run() }   // the thread keeps the resolver until it ends
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
            let (list, generation) = names.withLock { $0 }
            // A failed or empty answer is dropped: DNS trouble never empties the set.
            guard !list.isEmpty, let r = resolve(list), !r.isEmpty else { continue }
            names.withLock { if $0.generation == generation { deliver(r) } }
        }
    }
}
