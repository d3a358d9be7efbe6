/// Rewrites a JSON body by splicing bytes: the members it touches change, every other byte of
/// the document stays identical (so signatures over untouched parts, key order and the
/// client's formatting survive, and nothing is re-serialized).
public enum JSONSplice {
    /// Sets the member at `path` (object keys from the root) to the JSON text `value`:
    /// replaces an existing value, or inserts the member after the last member of the deepest
    /// existing object, creating the missing intermediate objects. A non-object found midway
    /// is replaced by the objects the path needs. `value` must be valid JSON (not checked).
    public static func setting(
        _ path: [String], to value: [UInt8], in document: [UInt8], scanner: JSONScanner = JSONScanner()
    ) throws(JSONParseError) -> [UInt8] {
        precondition(!path.isEmpty, "JSONSplice.setting needs a non-empty path")
        return try withJSONBytes(document) { (bytes) throws(JSONParseError) -> [UInt8] in
            var object = try scanner.root(of: bytes)
            guard object.kind == .object else {
                throw JSONParseError(.typeMismatch, "the document is not a JSON object", offset: object.range.lowerBound, in: bytes)
            }
            for (i, key) in path.enumerated() {
                let rest = path[(i + 1)...]
                guard let m = try scanner.member(key, of: object, in: bytes) else {
                    // Insert `"key":<nested rest>` at the end of this object.
                    var text: [UInt8] = []
                    let (insertAt, needsComma) = try lastMemberEnd(of: object, in: bytes, scanner: scanner)
                    if needsComma { text.append(0x2C) }
                    JSONValue.writeString(key, to: &text)
                    text.append(0x3A)
                    text += nested(rest, value)
                    return splice(document, insertAt..<insertAt, text)
                }
                if rest.isEmpty || m.value.kind != .object {
                    return splice(document, m.value.range, nested(rest, value))
                }
                object = m.value
            }
            return document // unreachable: the loop always returns
        }
    }

    /// Removes the member at `path` if present; returns the document unchanged otherwise.
    public static func removing(
        _ path: [String], in document: [UInt8], scanner: JSONScanner = JSONScanner()
    ) throws(JSONParseError) -> [UInt8] {
        guard let range = try memberRemovalRange(path, in: document, scanner: scanner) else { return document }
        return splice(document, range, [])
    }

    /// The byte range `removing` would cut, or nil if the member is absent.
    public static func memberRemovalRange(
        _ path: [String], in document: [UInt8], scanner: JSONScanner = JSONScanner()
    ) throws(JSONParseError) -> Range<Int>? {
        guard let last = path.last else { return nil }
        return try withJSONBytes(document) { (bytes) throws(JSONParseError) -> Range<Int>? in
            var object = try scanner.root(of: bytes)
            for key in path.dropLast() {
                guard object.kind == .object, let m = try scanner.member(key, of: object, in: bytes) else { return nil }
                object = m.value
            }
            guard object.kind == .object else { return nil }
            return try scanner.member(last, of: object, in: bytes)?.removalRange
        }
    }

    /// `document` with `range` replaced by `replacement`.
    public static func splice(_ document: [UInt8], _ range: Range<Int>, _ replacement: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(document.count - range.count + replacement.count)
        out += document[..<range.lowerBound]
        out += replacement
        out += document[range.upperBound...]
        return out
    }

    /// `{"a":{"b":value}}` for rest ["a","b"]; `value` itself for an empty rest.
    static func nested(_ rest: ArraySlice<String>, _ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for key in rest {
            out.append(0x7B)
            JSONValue.writeString(key, to: &out)
            out.append(0x3A)
        }
        out += value
        out += repeatElement(0x7D, count: rest.count)
        return out
    }

    /// Where to insert a new member: after the last member's value (needs a comma), or right
    /// after '{' of an empty object.
    static func lastMemberEnd(
        of object: JSONSlice, in bytes: UnsafeRawBufferPointer, scanner: JSONScanner
    ) throws(JSONParseError) -> (Int, Bool) {
        var end: Int?
        try scanner.forEachMember(of: object, in: bytes) { (m) throws(JSONParseError) in end = m.value.range.upperBound }
        if let end { return (end, true) }
        return (object.range.lowerBound + 1, false)
    }
}
