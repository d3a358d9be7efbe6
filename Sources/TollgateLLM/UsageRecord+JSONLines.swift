import TollgateJSON

extension UsageRecord {
    /// One compact JSON line (no trailing newline) with a fixed key order and every key always
    /// present (null when unknown), so lines diff and grep cleanly and a reader never has to
    /// guess whether a field was dropped.
    public func jsonLine() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        out.append(0x7B)
        var first = true
        func key(_ k: StaticString) {
            if !first { out.append(0x2C) }
            first = false
            out.append(0x22)
            out.append(contentsOf: UnsafeRawBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(0x22)
            out.append(0x3A)
        }
        func str(_ k: StaticString, _ v: String?) {
            key(k)
            if let v { JSONValue.writeString(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func int(_ k: StaticString, _ v: Int64?) {
            key(k)
            out.append(contentsOf: (v.map(String.init) ?? "null").utf8)
        }
        func bool(_ k: StaticString, _ v: Bool) {
            key(k)
            out.append(contentsOf: (v ? "true" : "false").utf8)
        }
        int("ts_ms", timeUnixMillis)
        str("request_id", requestID)
        str("trace_id", traceID)
        str("virtual_key", virtualKey)
        str("agent", agent)
        str("team", team)
        str("workflow", workflow)
        str("provider", provider)
        str("api", api)
        str("deployment", deployment)
        str("model_requested", modelRequested)
        str("model_served", modelServed)
        int("input_tokens", usage.inputTokens)
        int("output_tokens", usage.outputTokens)
        int("cached_input_tokens", usage.cachedInputTokens)
        int("cache_write_tokens", usage.cacheWriteTokens)
        int("reasoning_tokens", usage.reasoningTokens)
        int("total_tokens", usage.totalTokens)
        int("cost_micro_usd", costMicroUSD)
        bool("estimated", usage.estimated)
        int("status", Int64(status))
        bool("stream", stream)
        int("latency_us", latencyMicros)
        int("ttfb_us", ttfbMicros)
        out.append(0x7D)
        return out
    }

    public var jsonLineString: String { String(decoding: jsonLine(), as: UTF8.self) }
}
