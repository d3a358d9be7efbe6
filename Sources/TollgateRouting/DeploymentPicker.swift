/// Orders a model's deployments for one request: the first is tried first, the rest are the
/// fallbacks in order. Deployments whose breaker is open go last (tried only when nothing
/// else is left), so a fully open set still gets probed rather than failing outright.
public enum DeploymentPicker {
    public enum Strategy: String, Sendable, CaseIterable {
        /// Weighted random order (weighted sampling without replacement).
        case weighted
        /// Fewest in-flight requests per unit of weight first; ties broken at random.
        case leastInflight = "least_inflight"
    }

    public struct Candidate: Sendable, Equatable {
        public var index: Int
        public var weight: Int
        public var inflight: Int
        public var available: Bool
        public init(index: Int, weight: Int, inflight: Int = 0, available: Bool = true) {
            self.index = index
            self.weight = weight
            self.inflight = inflight
            self.available = available
        }
    }

    /// Indices of `candidates` in the order to try them.
    public static func order<R: RandomNumberGenerator>(_ candidates: [Candidate], strategy: Strategy, using random: inout R) -> [Int] {
        let up = candidates.filter { $0.available && $0.weight > 0 }
        let down = candidates.filter { !($0.available && $0.weight > 0) }
        return arrange(up, strategy, &random) + arrange(down, strategy, &random)
    }

    private static func arrange<R: RandomNumberGenerator>(_ list: [Candidate], _ strategy: Strategy, _ random: inout R) -> [Int] {
        if list.count <= 1 { return list.map(\.index) }
        switch strategy {
        case .weighted:
            var pool = list
            var out: [Int] = []
            out.reserveCapacity(pool.count)
            while !pool.isEmpty {
                let total = pool.reduce(0) { $0 + max($1.weight, 1) }
                var r = Int.random(in: 0..<total, using: &random)
                var pick = 0
                for (i, c) in pool.enumerated() {
                    r -= max(c.weight, 1)
                    if r < 0 { pick = i; break }
                }
                out.append(pool.remove(at: pick).index)
            }
            return out
        case .leastInflight:
            // Shuffle first so that equal loads spread instead of always picking the first.
            var shuffled = list
            shuffled.shuffle(using: &random)
            return shuffled.enumerated().sorted { a, b in
                // inflight/weight compared without division.
                let l = a.element.inflight * max(b.element.weight, 1)
                let r = b.element.inflight * max(a.element.weight, 1)
                return l != r ? l < r : a.offset < b.offset
            }.map(\.element.index)
        }
    }
}
