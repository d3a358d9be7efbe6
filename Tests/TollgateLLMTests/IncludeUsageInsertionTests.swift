import Testing
import TollgateTestSupport
import TollgateJSON
@testable import TollgateLLM

/// The one-pass include_usage insertion against the general splice: whenever it answers, the
/// same bytes; bodies with stream_options (any spelling) or invalid JSON are left to the splice.
struct IncludeUsageInsertionTests {
    static func general(_ body: [UInt8]) -> [UInt8]? {
        try? JSONSplice.setting(["stream_options", "include_usage"], to: Array("true".utf8), in: body)
    }

    static func agree(_ s: String) -> Bool {
        let body = Array(s.utf8)
        guard let fast = LLMRequestRewriter.insertingIncludeUsage(into: body) else { return true }
        return fast == general(body)
    }

    /// Usual bodies, whitespace, empty objects, nested stream_options elsewhere: the same bytes as the splice.
    @Test func sameBytesAsTheSplice() {
        let bodies = [
            #"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":50}"#,
            #"{"model":"m","stream":true}  "#, " {\"stream\":true} \n", #"{}"#, #"{ }"#, " \t{ \n } ",
            #"{"stream":true,"messages":[{"stream_options":1}],"x":{"stream_options":{}}}"#,
            #"{"stream":true , "n" : 2 }"#,
        ]
        for b in bodies {
            #expect(LLMRequestRewriter.insertingIncludeUsage(into: Array(b.utf8)) != nil, "\(b)")
            #expect(Self.agree(b), "\(b)")
        }
        #expect(String(decoding: LLMRequestRewriter.insertingIncludeUsage(into: Array(#"{"a":1 }"#.utf8))!, as: UTF8.self)
            == #"{"a":1,"stream_options":{"include_usage":true} }"#)
    }

    /// A body with stream_options, spelled plainly or with escapes, or invalid JSON: left to the splice.
    @Test func refusedShapes() {
        for b in [#"{"stream_options":{"include_usage":false}}"#, #"{"stream_options":null}"#, #"{"stream\u005foptions":{}}"#,
                  #"{"a":1,}"#, "[]", "", #"{"a":1} x"#] {
            #expect(LLMRequestRewriter.insertingIncludeUsage(into: Array(b.utf8)) == nil, "\(b)")
        }
    }

    /// Mutated bodies: whenever the insertion answers, the splice gives the same bytes.
    @Test func mutatedBodiesAgree() {
        let seed = Array(#"{"model":"m","stream":true, "messages":[{"role":"user","content":"a\"b"}],"n":1 }"#.utf8)
        let alphabet = Array(#"{}[],:"\ 0123456789truefalsn"#.utf8)
        for m in oneByteMutations(of: seed, count: 3000, alphabet: alphabet) {
            if let fast = LLMRequestRewriter.insertingIncludeUsage(into: m) {
                #expect(fast == Self.general(m), "\(String(decoding: m, as: UTF8.self))")
            }
        }
    }
}
