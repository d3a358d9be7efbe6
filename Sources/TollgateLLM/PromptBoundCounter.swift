import TollgateJSON

/// memmem-backed substring test on raw bytes.
func tg_contains(_ hay: UnsafeRawPointer, _ n: Int, _ needle: UnsafePointer<UInt8>, _ m: Int) -> Bool {
    guard m <= n else { return false }
    if m == 0 { return true }
    let first = needle[0]
    let h = hay.assumingMemoryBound(to: UInt8.self)
    var i = 0
    while i + m <= n {
        if h[i] == first {
            var k = 1
            while k < m && h[i + k] == needle[k] { k += 1 }
            if k == m { return true }
        }
        i += 1
    }
    return false
}

/// Accumulates a prompt-token bound while walking request content (see `PromptBoundRules`).
/// A provider supplies the classifier that recognizes its media parts; everything else is
/// walked and its string leaves counted as text.
struct PromptBoundCounter {
    let doc: JSONDocument
    let rules: PromptBoundRules
    let model: String?
    var tokens: Int64 = 0
    var textBytes: Int64 = 0
    var images = 0
    var otherMedia = 0
    var partial = false

    /// Returns true when it accounted for the object itself (a media part).
    typealias Classifier = (inout PromptBoundCounter, JSONSlice) throws(JSONParseError) -> Bool

    init(doc: JSONDocument, rules: PromptBoundRules, model: String?) {
        self.doc = doc
        self.rules = rules
        self.model = model
        tokens = rules.perRequestOverhead
    }

    mutating func add(_ n: Int64) { tokens = tokens.addingSaturating(n) }

    mutating func addText(_ n: Int64) {
        textBytes = textBytes.addingSaturating(n)
        add(n)
    }

    /// Counts the whole JSON text of `slice` (tool definitions, schemas: rendered into the prompt).
    mutating func addRaw(_ slice: JSONSlice?) {
        guard let slice, !slice.isNull else { return }
        addText(Int64(slice.byteCount))
    }

    mutating func addImage(_ n: Int64) { images += 1; add(n) }

    mutating func addMedia(_ n: Int64) { otherMedia += 1; add(n) }

    mutating func addReferenced() {
        otherMedia += 1
        partial = true
        add(rules.referencedMediaAllowance)
    }

    /// Walks a content value: strings count, media parts go to the classifier.
    mutating func walk(_ slice: JSONSlice?, _ classify: Classifier) throws(JSONParseError) {
        guard let slice else { return }
        switch slice.kind {
        case .string:
            addText(Int64(slice.byteCount - 2))
        case .array:
            try doc.scanner.forEachElement(of: slice, in: doc.bytes) { (e) throws(JSONParseError) in try walk(e, classify) }
        case .object:
            if mayBeMediaPart(slice), try classify(&self, slice) { return }
            try doc.scanner.forEachMember(of: slice, in: doc.bytes) { (m) throws(JSONParseError) in try walk(m.value, classify) }
        default:
            break
        }
    }

    /// Whether the object's text could hold a media part's key. A plain message (role,
    /// content text) is walked without asking the classifier, which reads every key; keys
    /// written with `\u` escapes always go to the classifier, so escaping cannot hide a part.
    func mayBeMediaPart(_ slice: JSONSlice) -> Bool {
        let base = doc.bytes.baseAddress!.advanced(by: slice.range.lowerBound)
        let n = slice.range.count
        for needle in Self.mediaKeyHints {
            if needle.withUTF8Buffer({ tg_contains(base, n, $0.baseAddress!, $0.count) }) { return true }
        }
        return false
    }

    static let mediaKeyHints: [StaticString] = ["image", "audio", "\"file", "\"source\"", "_data", "Data\"", "\\u"]

    /// Walks a list of messages, adding the per-message overhead for each.
    mutating func walkMessages(_ messages: JSONSlice?, _ classify: Classifier) throws(JSONParseError) {
        guard let messages else { return }
        if messages.kind != .array { return try walk(messages, classify) }
        try doc.scanner.forEachElement(of: messages, in: doc.bytes) { (m) throws(JSONParseError) in
            add(rules.perMessageOverhead)
            try walk(m, classify)
        }
    }

    /// Counts tool definitions: whole JSON text plus a per-tool overhead.
    mutating func addTools(_ tools: JSONSlice?) throws(JSONParseError) {
        guard let tools, !tools.isNull else { return }
        addRaw(tools)
        if tools.kind == .array {
            try doc.scanner.forEachElement(of: tools, in: doc.bytes) { (_) throws(JSONParseError) in add(rules.perToolOverhead) }
        }
    }
}
