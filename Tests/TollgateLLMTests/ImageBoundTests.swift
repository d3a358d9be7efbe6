import Testing
@testable import TollgateLLM

/// Image bounds from headers read inside base64 (only header bytes decoded).
struct ImageBoundTests {
    static let png1024 = "iVBORw0KGgoAAAANSUhEUgAABAAAAAQACAIAAAAAAAAAAAAAAA=="   // 1024x1024
    static let gif300x200 = "R0lGODlhLAHIAAAAAAAAAAAA"
    static let jpg800x600 = "/9j/4AAQSkZJRgAAAAAAAAAAAAD/wAARCAJYAyAAAAAAAAAAAAAAAAA="  // APP0 then SOF0
    static let webp3000x2000 = "UklGRmQAAABXRUJQVlA4WAoAAAAAAAAAtwsAzwcAAAAAAAAA"      // VP8X

    func openAI(_ model: String, _ b64: String, mime: String = "image/png") throws -> Int64 {
        let body = #"{"model":"\#(model)","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:\#(mime);base64,\#(b64)"}}]}]}"#
        return try inspect(.openAIChat, body).promptTokenBound - 32 - 8 - 4
    }

    func anthropic(_ b64: String) throws -> Int64 {
        let body = #"{"model":"claude-sonnet-4","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"\#(b64)"}}]}]}"#
        return try inspect(.anthropicMessages, body).promptTokenBound - 32 - 8 - 4
    }

    func gemini(_ b64: String) throws -> Int64 {
        let body = #"{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"\#(b64)"}}]}]}"#
        return try inspect(.geminiGenerateContent, body, path: "/v1beta/models/gemini-2.0-flash:generateContent").promptTokenBound - 32 - 8
    }

    /// Headers of all four formats parse.
    @Test func sniffing() {
        func size(_ b64: String) -> ImageSize? {
            let text = Array(("\"" + b64 + "\"").utf8)
            return text.withUnsafeBytes { ImageSize.sniff(.init(kind: .string, range: 0..<text.count), in: $0) }
        }
        #expect(size(Self.png1024) == ImageSize(width: 1024, height: 1024))
        #expect(size(Self.gif300x200) == ImageSize(width: 300, height: 200))
        #expect(size(Self.jpg800x600) == ImageSize(width: 800, height: 600))
        #expect(size(Self.webp3000x2000) == ImageSize(width: 3000, height: 2000))
        #expect(size("data:image/png;base64," + Self.png1024) == ImageSize(width: 1024, height: 1024))
        #expect(size("aGVsbG8gd29ybGQ=") == nil)
        #expect(size("iVBORw0KGgo") == nil)       // truncated PNG
        #expect(size("/9j/2wBD") == nil)          // truncated JPEG
        #expect(size(#"iVBORw0KGgoAAAANSUhEUgAABAAAAAQACAIAAAAAAAAAAAAAAA\/="#) == nil) // escaped
    }

    /// OpenAI: the published example (1024x1024 high -> 765), other sizes and families.
    @Test func openAIBySize() throws {
        #expect(try openAI("gpt-4o", Self.png1024) == 765)
        #expect(try openAI("gpt-4o", Self.gif300x200, mime: "image/gif") == 255)
        #expect(try openAI("gpt-4o", Self.jpg800x600, mime: "image/jpeg") == 765)
        #expect(try openAI("gpt-4o", Self.webp3000x2000, mime: "image/webp") == 1105)
        #expect(try openAI("gpt-4o-mini", Self.png1024) == 2833 + 4 * 5667)
        #expect(try openAI("gpt-4.1-mini", Self.png1024) == 2520)
        #expect(try openAI("some-local-vlm", Self.png1024) == 16384)
    }

    /// Anthropic: ceil(w*h/750), capped.
    @Test func anthropicBySize() throws {
        #expect(try anthropic(Self.png1024) == 1399)
        #expect(try anthropic(Self.gif300x200) == 80)
        #expect(try anthropic(Self.jpg800x600) == 640)
        #expect(try anthropic(Self.webp3000x2000) == 1800)
        #expect(try anthropic("bm90IGFuIGltYWdl") == 1800)
    }

    /// Gemini: 258 small, else 258 per 768 tile, capped.
    @Test func geminiBySize() throws {
        #expect(try gemini(Self.gif300x200) == 258)
        #expect(try gemini(Self.png1024) == 1032)
        #expect(try gemini(Self.jpg800x600) == 516)
        #expect(try gemini(Self.webp3000x2000) == 3096)
    }
}

@Suite struct MediaPartGateTests {
    /// A part whose keys are written with \u escapes is still recognized as an image: the
    /// fast path that skips plain messages cannot be used to hide media from the bound.
    @Test func escapedKeysStillClassified() throws {
        let plain = #"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"#
        let escaped = #"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_\u0075rl","image_\u0075rl":{"url":"https://example.com/cat.png"}}]}]}"#
        let a = try inspect(.openAIChat, plain)
        let b = try inspect(.openAIChat, escaped)
        #expect(a.imageCount == 1 && b.imageCount == 1)
        #expect(b.promptTokenBound >= a.promptTokenBound)
    }

    /// Plain text messages are bounded exactly as before (string bytes plus overheads).
    @Test func plainMessagesCounted() throws {
        let info = try inspect(.openAIChat, #"{"model":"gpt-4o","messages":[{"role":"user","content":"hello there"},{"role":"assistant","content":"hi"}]}"#)
        #expect(info.imageCount == 0)
        #expect(info.promptTokenBound >= Int64("hello there".utf8.count + "hi".utf8.count))
    }
}
