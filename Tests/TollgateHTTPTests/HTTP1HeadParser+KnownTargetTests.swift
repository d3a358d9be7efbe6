import Testing
@testable import TollgateHTTP

struct HTTP1HeadParserKnownTargetTests {
    /// Interned LLM paths and their near misses (same length, other bytes) parse to the exact target.
    @Test func targetsParseExactly() {
        let targets = ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings", "/v1/completions",
                       "/v1/chat/completionz", "/v2/messages", "/v1/Responses", "/v1/embedding?", "/v1/completion/",
                       "/v1/chat/completions?x=1", "/"]
        for t in targets {
            let run = parseRequests("POST \(t) HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
            guard case .req(let head, _)? = run.events.first else {
                Issue.record("no head for \(t)")
                continue
            }
            #expect(head.target == t)
        }
    }
}
