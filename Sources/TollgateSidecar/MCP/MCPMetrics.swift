import Synchronization

/// Prometheus counters per MCP server and tool: calls by status, and duration. One lock: a
/// tools/call records once at its end, far from the per-byte hot path.
final class MCPMetrics: Sendable {
    struct Key: Hashable {
        var server: String
        var tool: String
    }

    struct Counts {
        var ok: UInt64 = 0
        var error: UInt64 = 0
        var refused: UInt64 = 0
        var durationSum: Double = 0
        var durationCount: UInt64 = 0
        var buckets = [UInt64](repeating: 0, count: MCPMetrics.bounds.count)
    }

    static let bounds: [Double] = [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600]
    /// Distinct (server, tool) series at most: tool names come from servers, so they are bounded
    /// in practice, but a misbehaving server must not grow the scrape without end.
    static let maxSeries = 2000
    private let table = Mutex<[Key: Counts]>([:])

    func record(server: String, tool: String, status: String, seconds: Double?) {
        table.withLock { t in
            var key = Key(server: server, tool: tool)
            if t[key] == nil && t.count >= Self.maxSeries { key = Key(server: server, tool: "_other") }
            var c = t[key] ?? Counts()
            switch status {
            case "ok": c.ok += 1
            case "refused": c.refused += 1
            default: c.error += 1
            }
            if let s = seconds {
                c.durationSum += s
                c.durationCount += 1
                for (i, b) in Self.bounds.enumerated() where s <= b { c.buckets[i] += 1 }
            }
            t[key] = c
        }
    }

    func render() -> String {
        let snapshot = table.withLock { $0 }
        guard !snapshot.isEmpty else { return "" }
        let keys = snapshot.keys.sorted { ($0.server, $0.tool) < ($1.server, $1.tool) }
        var out = "# HELP tollgate_mcp_tool_calls_total MCP tools/call requests by server, tool and status (ok, error, refused).\n# TYPE tollgate_mcp_tool_calls_total counter\n"
        for k in keys {
            let c = snapshot[k]!
            let l = "server=\(UsageMetrics.label(k.server)),tool=\(UsageMetrics.label(k.tool))"
            out += "tollgate_mcp_tool_calls_total{\(l),status=\"ok\"} \(c.ok)\n"
            out += "tollgate_mcp_tool_calls_total{\(l),status=\"error\"} \(c.error)\n"
            out += "tollgate_mcp_tool_calls_total{\(l),status=\"refused\"} \(c.refused)\n"
        }
        out += "# HELP tollgate_mcp_tool_call_duration_seconds Duration of forwarded MCP tool calls.\n# TYPE tollgate_mcp_tool_call_duration_seconds histogram\n"
        for k in keys {
            let c = snapshot[k]!
            let l = "server=\(UsageMetrics.label(k.server)),tool=\(UsageMetrics.label(k.tool))"
            for (i, b) in Self.bounds.enumerated() {
                out += "tollgate_mcp_tool_call_duration_seconds_bucket{\(l),le=\"\(b)\"} \(c.buckets[i])\n"
            }
            out += "tollgate_mcp_tool_call_duration_seconds_bucket{\(l),le=\"+Inf\"} \(c.durationCount)\n"
            out += "tollgate_mcp_tool_call_duration_seconds_sum{\(l)} \(c.durationSum)\n"
            out += "tollgate_mcp_tool_call_duration_seconds_count{\(l)} \(c.durationCount)\n"
        }
        return out
    }
}
