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
        var line: [UInt8] = []
        withJSONLine(newline: newline) { line.append(contentsOf: $0) }
        return line
    }

    /// Calls `body` with the line (and "\n" when `newline` is set) written in scratch memory:
    /// a log copies it straight into its buffer, with no array made per record.
    public func withJSONLine(newline: Bool, _ body: (UnsafeRawBufferPointer) -> Void) {
        // Keys, punctuation, 11 integers, 2 booleans and the newline, then each string at its
        // worst case. Summed field by field: an array of the optionals cost an allocation and
        // a generic destroy per record.
        func worst(_ s: String?) -> Int { (s?.utf8.count ?? 0) * 6 + 6 }
        var bound = 641 + worst(requestID) + worst(traceID) + worst(virtualKey) + worst(agent) + worst(team)
        bound += worst(workflow) + worst(provider) + worst(api) + worst(deployment) + worst(modelRequested) + worst(modelServed)
        // Written into scratch: `[UInt8](unsafeUninitializedCapacity:)` takes an unspecialized
        // standard-library path that looks up generic metadata per call. Each key literal
        // carries its separator (one copy per member).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buf in
            var w = LineWriter(base: buf.baseAddress!)
            w.int(#"{"ts_ms":"#, timeUnixMillis)
            w.str(#","request_id":"#, requestID)
            w.str(#","trace_id":"#, traceID)
            w.str(#","virtual_key":"#, virtualKey)
            w.str(#","agent":"#, agent)
            w.str(#","team":"#, team)
            w.str(#","workflow":"#, workflow)
            w.str(#","provider":"#, provider)
            w.str(#","api":"#, api)
            w.str(#","deployment":"#, deployment)
            w.str(#","model_requested":"#, modelRequested)
            w.str(#","model_served":"#, modelServed)
            w.int(#","input_tokens":"#, usage.inputTokens)
            w.int(#","output_tokens":"#, usage.outputTokens)
            w.int(#","cached_input_tokens":"#, usage.cachedInputTokens)
            w.int(#","cache_write_tokens":"#, usage.cacheWriteTokens)
            w.int(#","reasoning_tokens":"#, usage.reasoningTokens)
            w.int(#","total_tokens":"#, usage.totalTokens)
            w.int(#","cost_micro_usd":"#, costMicroUSD)
            w.literal(usage.estimated ? #","estimated":true"# : #","estimated":false"#)
            w.int(#","status":"#, Int64(status))
            w.literal(stream ? #","stream":true"# : #","stream":false"#)
            w.int(#","latency_us":"#, latencyMicros)
            w.int(#","ttfb_us":"#, ttfbMicros)
            w.byte(0x7D)
            if newline { w.byte(0x0A) }
            body(UnsafeRawBufferPointer(start: buf.baseAddress!, count: w.count))
        }
    }

    public var jsonLineString: String { String(decoding: jsonLine(), as: UTF8.self) }
}

/// Writes a JSON object's members at a pointer the caller sized (see `withJSONLine`).
private struct LineWriter {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func byte(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    /// Copies a literal in 8-byte words, the last one overlapping the one before: keys are
    /// 8-25 bytes, and a memmove call per key cost more.
    @inline(__always) mutating func literal(_ s: StaticString) {
        let src = UnsafeRawPointer(s.utf8Start)
        let n = s.utf8CodeUnitCount
        let dst = UnsafeMutableRawPointer(base + count)
        if n >= 8 {
            var i = 0
            while i < n - 8 {
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
        } else {
            for i in 0..<n { dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
        }
        count += n
    }

    /// A key literal (with its separator) then the string or null.
    mutating func str(_ k: StaticString, _ v: String?) {
        literal(k)
        guard var v else { return nullValue() }
        v.withUTF8 { s in
            byte(0x22)
            // Ids, names and URLs rarely need escaping: find the first byte that does, eight
            // bytes at a time (control bytes, '"' and '\\'; the mask's lowest bit is exact, as
            // in JSONReader.scanString), and copy everything before it at once.
            let n = s.count
            var clean = 0
            if let p = s.baseAddress {
                let raw = UnsafeRawPointer(p)
                let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
                while clean + 8 <= n {
                    let w = raw.loadUnaligned(fromByteOffset: clean, as: UInt64.self)
                    let control = (w &- lo &* 0x20) & ~w & hi
                    let quote = ((w ^ (lo &* 0x22)) &- lo) & ~(w ^ (lo &* 0x22)) & hi
                    let backslash = ((w ^ (lo &* 0x5C)) &- lo) & ~(w ^ (lo &* 0x5C)) & hi
                    let mask = control | quote | backslash
                    if mask != 0 {
                        clean += mask.trailingZeroBitCount >> 3
                        break
                    }
                    clean += 8
                }
                if clean + 8 > n || clean == n {
                    while clean < n {
                        let b = s[clean]
                        if b < 0x20 || b == 0x22 || b == 0x5C { break }
                        clean += 1
                    }
                }
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
                    byte(Self.hex(b >> 4))
                    byte(Self.hex(b & 0xF))
                default: byte(b)
                }
            }
            byte(0x22)
        }
    }

    @inline(__always) static func hex(_ d: UInt8) -> UInt8 { d < 10 ? 0x30 + d : 0x57 + d }

    /// "null" in one store.
    @inline(__always) mutating func nullValue() {
        UnsafeMutableRawPointer(base + count).storeBytes(of: UInt32(0x6C6C_756E).littleEndian, as: UInt32.self)
        count += 4
    }

    /// A key literal (with its separator) then the integer or null.
    mutating func int(_ k: StaticString, _ v: Int64?) {
        literal(k)
        guard let v else { return nullValue() }
        if v < 0 { byte(0x2D) }
        // Digits of the magnitude (UInt64: Int64.min has one), counted by comparison and
        // written backwards two at a time: a division per digit, twice, cost ~100
        // instructions per timestamp.
        var m = v.magnitude
        var digits = 1
        var t: UInt64 = 10
        while digits < 20 && m >= t {
            digits += 1
            if digits == 20 { break }
            t &*= 10
        }
        var i = count + digits
        while m >= 100 {
            let pair = Int(m % 100)
            m /= 100
            i -= 2
            base[i] = UInt8(truncatingIfNeeded: 0x30 + pair / 10)
            base[i + 1] = UInt8(truncatingIfNeeded: 0x30 + pair % 10)
        }
        if m >= 10 {
            i -= 2
            base[i] = UInt8(truncatingIfNeeded: 0x30 + m / 10)
            base[i + 1] = UInt8(truncatingIfNeeded: 0x30 + m % 10)
        } else {
            base[i - 1] = UInt8(truncatingIfNeeded: 0x30 + m)
        }
        count += digits
    }
}
