import Testing
@testable import TollgateSidecar

struct MCPMetricsTests {
    /// Calls are counted per server, tool and status; durations fill the histogram; labels are escaped.
    @Test func rendersCountsAndHistogram() {
        let m = MCPMetrics()
        #expect(m.render() == "")
        m.record(server: "docs", tool: "search", status: "ok", seconds: 0.02)
        m.record(server: "docs", tool: "search", status: "error", seconds: 2)
        m.record(server: "docs", tool: "search", status: "refused", seconds: nil)
        m.record(server: "docs", tool: "we\"ird", status: "ok", seconds: 0.001)
        let text = m.render()
        #expect(text.contains(#"tollgate_mcp_tool_calls_total{server="docs",tool="search",status="ok"} 1"#))
        #expect(text.contains(#"tollgate_mcp_tool_calls_total{server="docs",tool="search",status="error"} 1"#))
        #expect(text.contains(#"tollgate_mcp_tool_calls_total{server="docs",tool="search",status="refused"} 1"#))
        #expect(text.contains(#"tollgate_mcp_tool_call_duration_seconds_bucket{server="docs",tool="search",le="0.05"} 1"#))
        #expect(text.contains(#"tollgate_mcp_tool_call_duration_seconds_bucket{server="docs",tool="search",le="+Inf"} 2"#))
        #expect(text.contains(#"tollgate_mcp_tool_call_duration_seconds_count{server="docs",tool="search"} 2"#))
        #expect(text.contains(#"tool="we\"ird""#))
    }
}
