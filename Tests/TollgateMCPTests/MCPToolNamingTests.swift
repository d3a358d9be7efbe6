import Testing
@testable import TollgateMCP

struct MCPToolNamingTests {
    /// Plain names join server and tool with "_" and split back.
    @Test func plain() {
        let n = MCPToolNaming.prefixed(server: "docs", tool: "search")
        #expect(n == "docs_search")
        #expect(MCPToolNaming.split(n, servers: ["docs"])! == ("docs", "search"))
        #expect(MCPToolNaming.split("docs_a_b", servers: ["docs"])! == ("docs", "a_b"))
        #expect(MCPToolNaming.split("other_search", servers: ["docs"]) == nil)
    }

    /// Invalid characters and long names become valid, deterministic, hashed names.
    @Test func hashedNamesAreValidAndStable() {
        let dotted = MCPToolNaming.prefixed(server: "docs", tool: "files.read")
        #expect(MCPToolNaming.isValid(dotted))
        #expect(dotted.hasPrefix("docs_files_read-"))
        #expect(dotted == MCPToolNaming.prefixed(server: "docs", tool: "files.read"))
        // The underscore spelling is a different tool and keeps its plain name.
        #expect(MCPToolNaming.prefixed(server: "docs", tool: "files_read") == "docs_files_read")
        let long = String(repeating: "x", count: 200)
        let ln = MCPToolNaming.prefixed(server: "docs", tool: long)
        #expect(ln.utf8.count == 64 && MCPToolNaming.isValid(ln))
        #expect(ln != MCPToolNaming.prefixed(server: "docs", tool: long + "y"))
        // A hashed name does not split back to its tool without the catalog (which is asked first).
        #expect(MCPToolNaming.split(dotted, servers: ["docs"])?.tool != "files.read")
    }

    /// Every produced name matches ^[a-zA-Z0-9_-]{1,64}$, whatever the tool name holds.
    @Test func alwaysValid() {
        for tool in ["", "ü", " a b ", "a/b", String(repeating: "é", count: 40), "tool-1_ok"] {
            #expect(MCPToolNaming.isValid(MCPToolNaming.prefixed(server: "s-1", tool: tool)), "\(tool)")
        }
    }

    /// Server names may not contain "_" (it separates prefix and tool).
    @Test func serverNames() {
        #expect(MCPToolNaming.isValidServerName("tickets-v2"))
        #expect(!MCPToolNaming.isValidServerName("my_server"))
        #expect(!MCPToolNaming.isValidServerName(""))
        #expect(!MCPToolNaming.isValidServerName(String(repeating: "a", count: 33)))
    }
}
