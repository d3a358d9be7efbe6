import CTollgateLinux
import Glibc
import Synchronization

/// Something registered with an event loop for readiness of one file descriptor.
public protocol FDHandler: AnyObject {
    /// `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
    func handleEvents(_ events: UInt32)
}

/// Something with output to send once the current event dispatch is over.
public protocol DeferredFlush: AnyObject {
    func flushDeferred()
}

/// One epoll instance driven by one thread. Everything registered with a loop (connections,
/// timers, pools) is touched only from that thread; other threads reach it through `execute`,
/// which wakes the loop through an eventfd. A request never hops threads.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    private let epfd: Int32
    private let wakeFD: Int32
    private let timerFD: Int32
    private var handlers: [(any FDHandler)?] = []
    private var generations: [UInt32] = []
    private var timers = TimerHeap()
    private var armedDeadline: UInt64 = .max
    private var flushQueue: [any DeferredFlush] = []
    /// The round being flushed (see runDeferredFlushes).
    private var flushRound: [any DeferredFlush] = []
    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let stopFlag = Atomic<Bool>(false)
    private var thread: pthread_t?
    private var loopThread: pthread_t?

    /// Cached monotonic time of the current loop iteration, in nanoseconds.
    public private(set) var now: UInt64 = MonotonicClock.now()

    /// Scratch read buffer shared by every connection of this loop (reads are consumed before the
    /// next read), so idle connections hold no read memory.
    public let readBuffer: UnsafeMutableRawBufferPointer

    /// Loop-local values that higher layers attach (upstream pools, metrics shards).
    public var attachments: [ObjectIdentifier: AnyObject] = [:]

    public init(index: Int, readBufferSize: Int = 64 * 1024) throws(TransportError) {
        self.index = index
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw TransportError.errno("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw TransportError.errno("eventfd") }
        timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard timerFD >= 0 else { throw TransportError.errno("timerfd_create") }
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        try addRaw(wakeFD, token: UInt64(UInt32.max))
        try addRaw(timerFD, token: UInt64(UInt32.max) - 1)
    }

    deinit {
        close(epfd)
        close(wakeFD)
        close(timerFD)
        readBuffer.deallocate()
    }

    private func addRaw(_ fd: Int32, token: UInt64) throws(TransportError) {
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.u64 = token
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 else { throw TransportError.errno("epoll_ctl") }
    }

    // MARK: Registration (loop thread only)

    /// Registers `handler` for `fd` with the given epoll interest (level-triggered).
    public func register(fd: Int32, events: UInt32, handler: any FDHandler) throws(TransportError) {
        let i = Int(fd)
        if i >= handlers.count {
            let n = max(i + 1, handlers.count * 2, 64)
            handlers.append(contentsOf: repeatElement(nil, count: n - handlers.count))
            generations.append(contentsOf: repeatElement(0, count: n - generations.count))
        }
        generations[i] &+= 1
        handlers[i] = handler
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = UInt64(UInt32(bitPattern: fd)) | (UInt64(generations[i]) << 32)
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 else {
            handlers[i] = nil
            throw TransportError.errno("epoll_ctl(ADD)")
        }
    }

    public func modify(fd: Int32, events: UInt32) {
        let i = Int(fd)
        guard i < handlers.count, handlers[i] != nil else { return }
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = UInt64(UInt32(bitPattern: fd)) | (UInt64(generations[i]) << 32)
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
    }

    /// Unregisters `fd`; call before closing it. Events already fetched for it are dropped.
    public func unregister(fd: Int32) {
        let i = Int(fd)
        guard i < handlers.count, handlers[i] != nil else { return }
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
        handlers[i] = nil
        generations[i] &+= 1
    }

    // MARK: Timers (loop thread only)

    /// Runs `callback` on this loop after `nanoseconds`.
    @discardableResult
    public func schedule(afterNanos nanoseconds: UInt64, _ callback: @escaping () -> Void) -> LoopTimer {
        let deadline = MonotonicClock.now() &+ nanoseconds
        let t = timers.schedule(deadline: deadline, callback)
        if deadline < armedDeadline { arm(deadline) }
        return t
    }

    @discardableResult
    public func schedule(afterSeconds seconds: Double, _ callback: @escaping () -> Void) -> LoopTimer {
        schedule(afterNanos: UInt64(max(0, seconds) * 1e9), callback)
    }

    private func arm(_ deadline: UInt64) {
        armedDeadline = deadline
        var spec = itimerspec()
        if deadline != .max {
            let d = max(deadline, 1)
            spec.it_value.tv_sec = Int(d / 1_000_000_000)
            spec.it_value.tv_nsec = Int(d % 1_000_000_000)
        }
        _ = timerfd_settime(timerFD, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    // MARK: Cross-thread

    /// Runs `task` on this loop's thread. Safe from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(task) }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    public var inLoopThread: Bool {
        guard let t = loopThread else { return false }
        return pthread_equal(t, pthread_self()) != 0
    }

    /// Asks the loop to return from `run` after the current iteration.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        execute {}
    }

    // MARK: Running

    /// Runs the loop on the calling thread until `stop`.
    public func run() {
        loopThread = pthread_self()
        let maxEvents = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: maxEvents)
        defer { events.deallocate() }
        while !stopFlag.load(ordering: .acquiring) {
            let n = epoll_wait(epfd, events, Int32(maxEvents), -1)
            now = MonotonicClock.now()
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in 0..<Int(n) {
                let ev = events[k]
                let token = ev.data.u64
                if token == UInt64(UInt32.max) {
                    var v: UInt64 = 0
                    _ = read(wakeFD, &v, 8)
                    continue
                }
                if token == UInt64(UInt32.max) - 1 {
                    var v: UInt64 = 0
                    _ = read(timerFD, &v, 8)
                    continue
                }
                let fd = Int(UInt32(truncatingIfNeeded: token))
                let gen = UInt32(truncatingIfNeeded: token >> 32)
                guard fd < handlers.count, generations[fd] == gen, let h = handlers[fd] else { continue }
                h.handleEvents(ev.events)
            }
            runDeferredFlushes()
            runTimers()
            runPending()
            runDeferredFlushes()
        }
    }

    /// Writes made while handling events leave together at the end of the dispatch round: a
    /// request head and body go upstream in one send, a burst of SSE events in one send.
    public func deferFlush(_ f: any DeferredFlush) {
        flushQueue.append(f)
    }

    private func runDeferredFlushes() {
        while !flushQueue.isEmpty {
            // Swapped with a spare that keeps its capacity: copying the queue out and clearing
            // it in place allocated a new buffer every round (the old one was still shared).
            // The round is walked from a local: iterating the stored array retained and
            // released the array each round. A flush may append to flushQueue, which by then
            // holds the spare.
            var round: [any DeferredFlush] = []
            swap(&round, &flushQueue)
            swap(&flushQueue, &flushRound)
            for f in round { f.flushDeferred() }
            round.removeAll(keepingCapacity: true)
            flushRound = consume round
        }
    }

    private func runTimers() {
        now = MonotonicClock.now()
        let due = timers.popExpired(now: now)
        for cb in due { cb() }
        let next = timers.nextDeadline() ?? .max
        // A later deadline (the earliest timer was cancelled) keeps the armed one: it fires once
        // for nothing and re-arms then, instead of a timerfd_settime per cancelled timer.
        if next < armedDeadline || armedDeadline <= now { arm(next) }
    }

    private func runPending() {
        while true {
            // Moved out, not copied: this runs twice per loop iteration, nearly always on an
            // empty queue, and the copy retained and released the array each time.
            let tasks = pending.withLock { q -> [@Sendable () -> Void] in
                if q.isEmpty { return [] }
                var t: [@Sendable () -> Void] = []
                swap(&t, &q)
                return t
            }
            if tasks.isEmpty { return }
            for t in tasks { t() }
        }
    }

    /// Starts a dedicated thread running this loop.
    public func startThread(name: String) {
        let box = Unmanaged.passRetained(self)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attr)
        if rc != 0 { box.release(); fatalError("pthread_create failed: \(rc)") }
        thread = tid
        _ = name
    }

    /// Waits for the loop thread started by `startThread` to finish.
    public func join() {
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }
}

/// epoll interest and event bits, so layers above need not import the C shim.
public enum IOEvent {
    public static let readable: UInt32 = EPOLLIN.rawValue
    public static let writable: UInt32 = EPOLLOUT.rawValue
    public static let error: UInt32 = EPOLLERR.rawValue
    public static let hangup: UInt32 = EPOLLHUP.rawValue
}
