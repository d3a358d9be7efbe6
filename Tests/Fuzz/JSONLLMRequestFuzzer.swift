// libFuzzer target for TollgateLLM request inspection and rewriting (built by
// scripts/fuzz-json against the TollgateJSON, TollgateHTTP and TollgateLLM modules).
//
// Input: byte 0 picks the API, the rest is a request body. Nothing may trap. When a body
// inspects cleanly: the prompt bound is non-negative; setting the output cap yields a body
// that inspects to exactly that cap; adding include_usage yields a body that inspects as
// asking for usage, and only stream requests get it. Read as a response, the body gets the
// same usage (or error) from the fast path as from the whole-tape path, and the request the
// same inspection (or error) from `inspect` (single pass where it applies) as from the tape.

import TollgateJSON
import TollgateLLM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let apis = LLMAPI.allCases
    let api = apis[Int(data[0]) % apis.count]
    let body = Array(UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    let path = "/v1beta/models/gemini-2.0-flash:generateContent"
    // The response fast path must give the general (whole-tape) path's usage, model and errors.
    let fast = Result { () throws(JSONParseError) in try ResponseFacts.read(api: api, body: body) }
    let general = Result { () throws(JSONParseError) in try ResponseFacts.readViaTape(api: api, body: body) }
    switch (fast, general) {
    case (.success(let a), .success(let b)): precondition(a == b, "response usage disagrees: \(String(describing: a)) vs \(String(describing: b))")
    case (.failure(let a), .failure(let b)): precondition(a == b, "response usage error disagrees: \(a) vs \(b)")
    default: preconditionFailure("response usage paths disagree on validity")
    }
    // The single-pass request readers (with the tape fallback) must give the tape path's
    // answer and errors.
    let inspected = Result { () throws(LLMRequestError) in try LLMRequestInfo.inspect(api: api, body: body, path: path) }
    let viaTape = Result { () throws(LLMRequestError) in try LLMRequestInfo.inspectViaTape(api: api, body: body, path: path) }
    switch (inspected, viaTape) {
    case (.success(let a), .success(let b)): precondition(a == b, "request inspection disagrees: \(a) vs \(b)")
    case (.failure(let a), .failure(let b)): precondition(a == b, "request inspection error disagrees: \(a) vs \(b)")
    default: preconditionFailure("request inspection paths disagree on validity")
    }
    guard let info = try? inspected.get() else { return 0 }
    precondition(info.promptTokenBound >= 0 && info.outputMultiplier >= 1, "negative bound")
    _ = Usage.estimate(request: info, responseBody: body)

    let hasCap = api != .openAIEmbeddings && api != .anthropicCountTokens
    if hasCap {
        guard let capped = try? LLMRequestRewriter.settingMaxOutputTokens(77, api: api, body: body) else {
            preconditionFailure("rewriting a body that inspected cleanly failed")
        }
        guard let again = try? LLMRequestInfo.inspect(api: api, body: capped, path: path) else {
            preconditionFailure("the capped body no longer inspects: \(String(decoding: capped, as: UTF8.self))")
        }
        precondition(again.maxOutputTokens == 77, "cap not applied: \(String(decoding: capped, as: UTF8.self))")
    }
    guard let (withUsage, added) = try? LLMRequestRewriter.ensuringIncludeUsage(api: api, body: body, info: info) else {
        preconditionFailure("include_usage rewrite failed")
    }
    if added {
        precondition(info.stream && !info.includeUsageRequested, "added include_usage where not needed")
        guard let again = try? LLMRequestInfo.inspect(api: api, body: withUsage, path: path) else {
            preconditionFailure("include_usage body no longer inspects")
        }
        precondition(again.includeUsageRequested && again.stream, "include_usage not visible after the rewrite")
    } else {
        precondition(withUsage == body, "body changed without being reported")
    }
    return 0
}
