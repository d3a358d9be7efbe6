#if canImport(Glibc)
import Glibc
#endif
import TollgateJSON

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
        case .array, .object:
            guard let i = doc.tape.index(of: slice) else { return }
            try walk(at: i, classify)
        default:
            break
        }
    }

    /// `walk` by tape index: containers step through their children by index instead of
    /// finding each child's slice in the tape again (a binary search per container).
    mutating func walk(at index: Int, _ classify: Classifier) throws(JSONParseError) {
        let tape = doc.tape
        let e = tape[index]
        switch e.kind {
        case .string:
            addText(Int64(e.end - e.start - 2))
        case .array:
            var c = index + 1
            while c < e.next {
                try walk(at: c, classify)
                c = tape[c].next
            }
        case .object:
            if mayBeMediaPart(at: index), try classify(&self, e.slice) { return }
            var c = index + 1
            while c < e.next {
                try walk(at: c, classify)
                c = tape[c].next
            }
        default:
            break
        }
    }

    /// Whether the object could be a media part: one of its own keys carries a hint that
    /// every classifier's part keys share ("image_url", "input_audio", "file"/"file_data"/
    /// "file_id", "source", "inline_data"/"inlineData"/"fileData"). A plain message (role,
    /// content text) is walked without asking the classifier, which reads every key; keys
    /// written with escapes always go to the classifier, so escaping cannot hide a part.
    /// Nested parts are reached by the walk itself, so only this object's keys matter.
    func mayBeMediaPart(_ slice: JSONSlice) -> Bool {
        guard let index = doc.tape.index(of: slice) else { return true }
        return mayBeMediaPart(at: index)
    }

    func mayBeMediaPart(at index: Int) -> Bool {
        let tape = doc.tape
        let base = doc.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var c = index + 1
        let end = tape[index].next
        while c < end {
            let e = tape[c]
            if e.keyEscaped { return true }
            if Self.isMediaHint(UnsafeBufferPointer(start: base + e.keyStart + 1, count: e.keyEnd - e.keyStart - 2)) { return true }
            c = e.next
        }
        return false
    }

    /// A key that may name media: contains "image", "audio", "_data" or "Data", starts with
    /// "file", or is "source".
    static func isMediaHint(_ k: UnsafeBufferPointer<UInt8>) -> Bool {
        func has(_ hint: StaticString, at i: Int) -> Bool {
            let m = hint.utf8CodeUnitCount
            return i + m <= k.count && memcmp(k.baseAddress! + i, hint.utf8Start, m) == 0
        }
        if has("file", at: 0) || (k.count == 6 && has("source", at: 0)) { return true }
        var i = 0
        while i < k.count {
            switch k[i] {
            case UInt8(ascii: "i"): if has("image", at: i) { return true }
            case UInt8(ascii: "a"): if has("audio", at: i) { return true }
            case UInt8(ascii: "_"): if has("_data", at: i) { return true }
            case UInt8(ascii: "D"): if has("Data", at: i) { return true }
            default: break
            }
            i += 1
        }
        return false
    }

    /// Walks a list of messages, adding the per-message overhead for each.
    mutating func walkMessages(_ messages: JSONSlice?, _ classify: Classifier) throws(JSONParseError) {
        guard let messages else { return }
        if messages.kind != .array { return try walk(messages, classify) }
        guard let index = doc.tape.index(of: messages) else { return }
        let tape = doc.tape
        var c = index + 1
        let end = tape[index].next
        while c < end {
            add(rules.perMessageOverhead)
            try walk(at: c, classify)
            c = tape[c].next
        }
    }

    /// Counts tool definitions: whole JSON text plus a per-tool overhead.
    mutating func addTools(_ tools: JSONSlice?) throws(JSONParseError) {
        guard let tools, !tools.isNull else { return }
        addRaw(tools)
        if tools.kind == .array {
            try doc.elements(tools) { (_) throws(JSONParseError) in add(rules.perToolOverhead) }
        }
    }
}
