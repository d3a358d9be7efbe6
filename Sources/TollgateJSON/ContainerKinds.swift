/// Whether each open container is an object, one bit per depth: a register for the first 64
/// levels, an array (allocated only for deeper documents) beyond.
struct ContainerKinds {
    private var low: UInt64 = 0
    private var high: [UInt64] = []

    @inline(__always)
    mutating func set(_ depth: Int, isObject: Bool) {
        if depth < 64 {
            let bit: UInt64 = 1 << UInt64(depth)
            low = isObject ? low | bit : low & ~bit
            return
        }
        let d = depth - 64
        while high.count <= d >> 6 { high.append(0) }
        let bit: UInt64 = 1 << UInt64(d & 63)
        high[d >> 6] = isObject ? high[d >> 6] | bit : high[d >> 6] & ~bit
    }

    @inline(__always)
    func isObject(_ depth: Int) -> Bool {
        if depth < 64 { return low >> UInt64(depth) & 1 == 1 }
        let d = depth - 64
        return high[d >> 6] >> UInt64(d & 63) & 1 == 1
    }
}
