import TollgateJSON

extension UsageRecord {
    /// One compact JSON line (no trailing newline) with a fixed key order and every key always
    /// present (null when unknown), so lines diff and grep cleanly and a reader never has to
    /// guess whether a field was dropped.
    ///
    /// Written on every request when usage records are on, so it is written in place into one
    /// allocation sized for the worst case (every string byte escaped as \u00XX), not appended
    /// piece by piece.
    public func jsonLine() -> [UInt8] { jsonLine(newline: false) }

    /// `jsonLine()`, followed by "\n" when `newline` is set: a log's line in one allocation.
    public func jsonLine(newline: Bool) -> [UInt8] {
        // Keys, punctuation, 11 integers, 2 booleans and the newline, then each string at its
        // worst case. Summed field by field: an array of the optionals cost an allocation and
        // a generic destroy per record.
        func worst(_ s: String?) -> Int { (s?.utf8.count ?? 0) * 6 + 6 }
        var bound = 641 + worst(requestID) + worst(traceID) + worst(virtualKey) + worst(agent) + worst(team)
        bound += worst(workflow) + worst(provider) + worst(api) + worst(deployment) + worst(modelRequested) + worst(modelServed)
        // Written into scratch and copied once: `[UInt8](unsafeUninitializedCapacity:)` takes
        // an unspecialized standard-library path that looks up generic metadata per call.
        var line: [UInt8] = []
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buf in
            var w = LineWriter(base: buf.baseAddress!)
            w.byte(0x7B)
            w.int("ts_ms", timeUnixMillis)
            w.str("request_id", requestID)
            w.str("trace_id", traceID)
            w.str("virtual_key", virtualKey)
            w.str("agent", agent)
            w.str("team", team)
            w.str("workflow", workflow)
            w.str("provider", provider)
            w.str("api", api)
            w.str("deployment", deployment)
            w.str("model_requested", modelRequested)
            w.str("model_served", modelServed)
            w.int("input_tokens", usage.inputTokens)
            w.int("output_tokens", usage.outputTokens)
            w.int("cached_input_tokens", usage.cachedInputTokens)
            w.int("cache_write_tokens", usage.cacheWriteTokens)
            w.int("reasoning_tokens", usage.reasoningTokens)
            w.int("total_tokens", usage.totalTokens)
            w.int("cost_micro_usd", costMicroUSD)
            w.bool("estimated", usage.estimated)
            w.int("status", Int64(status))
            w.bool("stream", stream)
            w.int("latency_us", latencyMicros)
            w.int("ttfb_us", ttfbMicros)
            w.byte(0x7D)
            if newline { w.byte(0x0A) }
            line.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: w.count))
        }
        return line
    }

    public var jsonLineString: String { String(decoding: jsonLine(), as: UTF8.self) }
}

/// Writes a JSON object's members at a pointer the caller sized (see `jsonLine`).
private struct LineWriter {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0
    var first = true

    init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func byte(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always) mutating func literal(_ s: StaticString) {
        (base + count).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        count += s.utf8CodeUnitCount
    }

    @inline(__always) mutating func key(_ k: StaticString) {
        if !first { byte(0x2C) }
        first = false
        byte(0x22)
        literal(k)
        byte(0x22)
        byte(0x3A)
    }

    mutating func str(_ k: StaticString, _ v: String?) {
        key(k)
        guard var v else { return literal("null") }
        v.withUTF8 { s in
            byte(0x22)
            // Ids, names and URLs rarely need escaping: find the first byte that does and
            // copy everything before it at once (the byte-by-byte switch cost ~9 instructions
            // per byte of every record).
            var clean = 0
            while clean < s.count {
                let b = s[clean]
                if b < 0x20 || b == 0x22 || b == 0x5C { break }
                clean += 1
            }
            if clean > 0 {
                (base + count).update(from: s.baseAddress!, count: clean)
                count += clean
            }
            for b in UnsafeBufferPointer(rebasing: s[clean...]) {
                switch b {
                case 0x22: byte(0x5C); byte(0x22)
                case 0x5C: byte(0x5C); byte(0x5C)
                case 0x0A: byte(0x5C); byte(0x6E)
                case 0x0D: byte(0x5C); byte(0x72)
                case 0x09: byte(0x5C); byte(0x74)
                case 0x08: byte(0x5C); byte(0x62)
                case 0x0C: byte(0x5C); byte(0x66)
                case 0..<0x20:
                    literal("\\u00")
                    byte(Self.hex[Int(b >> 4)])
                    byte(Self.hex[Int(b & 0xF)])
                default: byte(b)
                }
            }
            byte(0x22)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func int(_ k: StaticString, _ v: Int64?) {
        key(k)
        guard let v else { return literal("null") }
        if v < 0 { byte(0x2D) }
        // Digits of the magnitude, written backwards into place (UInt64: Int64.min has one).
        var m = v.magnitude
        var digits = 1
        var t = m / 10
        while t > 0 { digits += 1; t /= 10 }
        var i = count + digits - 1
        repeat {
            base[i] = UInt8(truncatingIfNeeded: 0x30 + m % 10)
            m /= 10
            i -= 1
        } while m > 0
        count += digits
    }

    mutating func bool(_ k: StaticString, _ v: Bool) {
        key(k)
        if v { literal("true") } else { literal("false") }
    }
}
