import TollgateJSON

/// A validated JSON body and its tape (every value with its range, key and subtree end, from
/// the one validating pass): the small vocabulary every provider file uses to read fields.
/// Reads are slices into the caller's buffer; nested lookups step through the tape and never
/// re-walk bytes.
struct JSONDocument {
    let bytes: UnsafeRawBufferPointer
    let tape: JSONTape
    var root: JSONSlice { tape.root }

    /// Validates the whole document once.
    init(_ bytes: UnsafeRawBufferPointer, scanner: JSONScanner = JSONScanner()) throws(JSONParseError) {
        self.bytes = bytes
        tape = try JSONTape(bytes, maxDepth: scanner.maxDepth)
    }

    /// `value` (a slice of `bytes` from an earlier validating pass) as a document of its own:
    /// only its values are taped, with their offsets in `bytes`.
    init(value: JSONSlice, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        self.bytes = bytes
        tape = try JSONTape(value: value, in: bytes)
    }

    /// The tape index of `slice` (a slice read from this document).
    @inline(__always)
    private func index(_ slice: JSONSlice) -> Int? {
        if slice.range.lowerBound == tape[0].start { return 0 }
        return tape.index(of: slice)
    }

    func fields(_ object: JSONSlice?, _ keys: JSONKeys) throws(JSONParseError) -> JSONFields {
        guard let object, object.kind == .object, let i = index(object) else { return JSONFields(keys: keys) }
        return try tape.fields(of: i, keys: keys, in: bytes)
    }

    func field(_ object: JSONSlice?, _ key: StaticString) throws(JSONParseError) -> JSONSlice? {
        guard let object, object.kind == .object, let i = index(object) else { return nil }
        return try tape.value(forKey: key, of: i, in: bytes)
    }

    /// Member `key` of the root object with its removal range (same ranges as
    /// `JSONScanner.forEachMember`). Steps through the root's children on the tape and
    /// compares keys as bytes: collecting them in an array first, and comparing each as a
    /// String, cost ~2,400 instructions per streamed chunk (callgrind; it runs on every chunk
    /// whose injected "usage":null is cut).
    func rootMember(_ key: StaticString) throws(JSONParseError) -> JSONMember? {
        guard tape[0].kind == .object else { return nil }
        let end = tape[0].next
        var found: JSONMember?
        var c = 1
        var i = 0
        while c < end {
            let e = tape[c]
            let next = e.next
            if JSONScanner.keyLiteral(e.keyStart..<e.keyEnd, escaped: e.keyEscaped, equals: key, in: bytes) {
                if found != nil { throw JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: e.keyStart, in: bytes) }
                let removal: Range<Int>
                if i > 0 {
                    // Back from the key over whitespace to the comma, then over the whitespace
                    // before it: that whitespace goes with this member.
                    var k = e.keyStart - 1
                    while k > 0 && bytes[k] != UInt8(ascii: ",") { k -= 1 }
                    while k > 0 && JSONDocument.isWhitespace(bytes[k - 1]) { k -= 1 }
                    removal = k..<e.end
                } else if next < end {
                    removal = e.keyStart..<tape[next].keyStart
                } else {
                    removal = e.keyStart..<e.end
                }
                found = JSONMember(key: JSONSlice(kind: .string, range: e.keyStart..<e.keyEnd), value: e.slice, removalRange: removal)
            }
            c = next
            i += 1
        }
        return found
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    func elements(_ array: JSONSlice?, _ body: (JSONSlice) throws(JSONParseError) -> Void) throws(JSONParseError) {
        guard let array, array.kind == .array, let i = index(array) else { return }
        try tape.forEachChild(of: i) { (c) throws(JSONParseError) in try body(tape[c].slice) }
    }

    /// Each member value of the object at `object`, in order.
    func memberValues(_ object: JSONSlice?, _ body: (JSONSlice) throws(JSONParseError) -> Void) throws(JSONParseError) {
        guard let object, object.kind == .object, let i = index(object) else { return }
        try tape.forEachChild(of: i) { (c) throws(JSONParseError) in try body(tape[c].slice) }
    }

    /// An integer field for usage counts: 0 when absent, null or not an integer.
    func count(_ slice: JSONSlice?) -> Int64 {
        guard let slice, let v = slice.int64(in: bytes), v > 0 else { return 0 }
        return v
    }

    func string(_ slice: JSONSlice?) -> String? { slice?.string(in: bytes) }

    /// Bytes of every string leaf under `slice`, as written (>= decoded UTF-8 length).
    func stringBytes(_ slice: JSONSlice?) throws(JSONParseError) -> Int64 {
        guard let slice else { return 0 }
        switch slice.kind {
        case .string: return Int64(slice.byteCount - 2)
        case .array, .object:
            guard let i = index(slice) else { return 0 }
            return tape.stringValueBytes(at: i)
        default: return 0
        }
    }

    /// Bytes of an inline base64/text payload (without quotes).
    func payloadBytes(_ slice: JSONSlice?) -> Int64 {
        guard let slice, slice.kind == .string else { return 0 }
        return Int64(slice.byteCount - 2)
    }
}

/// Typed readers for request fields: wrong types are refused (the upstream would reject them
/// too, and guessing would let a body slip past its bound); null means absent.
extension JSONDocument {
    func requestString(_ fields: JSONFields, _ key: StaticString) throws(LLMRequestError) -> String? {
        try requestString(fields[key], key)
    }

    func requestString(_ slice: JSONSlice?, _ key: StaticString) throws(LLMRequestError) -> String? {
        guard let s = slice, !s.isNull else { return nil }
        guard s.kind == .string, let v = s.string(in: bytes) else {
            throw LLMRequestError(.invalidField, "\(key) must be a string", field: key.description)
        }
        return v
    }

    func requestBool(_ slice: JSONSlice?, _ key: String) throws(LLMRequestError) -> Bool? {
        guard let s = slice, !s.isNull else { return nil }
        guard let b = s.bool else { throw LLMRequestError(.invalidField, "\(key) must be a boolean", field: key) }
        return b
    }

    func requestCount(_ slice: JSONSlice?, _ key: String) throws(LLMRequestError) -> Int64? {
        guard let s = slice, !s.isNull else { return nil }
        guard let v = s.int64(in: bytes), v >= 0 else {
            throw LLMRequestError(.invalidField, "\(key) must be a non-negative integer", field: key)
        }
        return v
    }
}

/// Runs `body` over a request body, mapping JSON errors to request errors.
func withRequestDocument<R>(
    _ body: UnsafeRawBufferPointer, _ f: (JSONDocument) throws(LLMRequestError) -> R
) throws(LLMRequestError) -> R {
    let doc: JSONDocument
    do throws(JSONParseError) {
        doc = try JSONDocument(body)
    } catch {
        throw LLMRequestError(error)
    }
    guard doc.root.kind == .object else { throw LLMRequestError(.notAnObject, "request body is not a JSON object") }
    return try f(doc)
}

/// Maps a JSON error met while walking an already validated body (only duplicate keys can
/// occur) to a request error.
func requestJSON<R>(_ f: () throws(JSONParseError) -> R) throws(LLMRequestError) -> R {
    do throws(JSONParseError) { return try f() } catch { throw LLMRequestError(error) }
}
