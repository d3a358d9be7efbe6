import Dispatch
import Synchronization
import Testing
@testable import TollgateSidecar

struct PeriodicResolverTests {
    /// An answer for names replaced while it was being resolved is dropped (a reload is never undone by a late DNS answer).
    @Test func answerForReplacedNamesIsDropped() {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let deliveredB = DispatchSemaphore(value: 0)
        let delivered = Mutex<[String]>([])
        let events = Mutex<[String]>([])
        let r = PeriodicResolver(interval: 0.05, names: ["a:1"], resolve: { names in
            if names == ["a:1"] {
                started.signal()
                release.wait()   // the old names' lookup is still running when the reload happens
            }
            return names.map { (id: $0, name: $0) }
        }, deliver: { answer in
            delivered.withLock { $0 += answer.map(\.id) }
            if answer.map(\.id) == ["b:1"] { deliveredB.signal() }
        })
        r.start()
        #expect(started.wait(timeout: .now() + 30) == .success)
        r.replaceNames(["b:1"]) { events.withLock { $0.append("reloaded") } }
        release.signal()
        #expect(deliveredB.wait(timeout: .now() + 30) == .success)
        r.stop()
        #expect(events.withLock { $0 } == ["reloaded"])
        #expect(!delivered.withLock { $0 }.contains("a:1"))
    }
}
