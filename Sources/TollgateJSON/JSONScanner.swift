/// Pulls fields out of a UTF-8 JSON document without building a tree. Every entry point
/// validates the whole document it walks (strict RFC 8259, bounded depth) and throws on
/// malformed input, so an answer is never read from a body the upstream would parse
/// differently. Results are `JSONSlice`s (kind + byte range) into the caller's buffer.
///
/// Duplicate keys: when a key the caller asked for occurs twice in the same object the scan
/// throws `.duplicateKey`. JSON readers disagree on duplicates (first vs last wins), and a
/// proxy that reads a different "max_tokens" than the upstream is a budget bypass.
public struct JSONScanner: Sendable {
    public var maxDepth: Int

    public init(maxDepth: Int = JSONLimits.defaultMaxDepth) {
        self.maxDepth = JSONLimits.clampDepth(maxDepth)
    }

    /// Validates the document and returns its root value.
    public func root(of bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice {
        var r = JSONReader(bytes, maxDepth: maxDepth)
        let v = try r.skipValue(depth: 0)
        try r.expectEnd()
        return v
    }

    /// The values of `keys` among the members of the root object (validating the whole
    /// document in one pass). Absent keys are absent from the result.
    public func topLevelFields(in bytes: UnsafeRawBufferPointer, keys: [String]) throws(JSONParseError) -> [String: JSONSlice] {
        var found: [String: JSONSlice] = [:]
        var r = JSONReader(bytes, maxDepth: maxDepth)
        guard try r.peekToken("a JSON object") == 0x7B else {
            _ = try r.skipValue(depth: 0)
            try r.expectEnd()
            throw JSONParseError(.typeMismatch, "the document is not a JSON object", offset: 0, in: bytes)
        }
        // A duplicate is reported only after the whole document validated, so a syntax
        // error always wins (malformed input gets one answer whatever its key order).
        var duplicate: JSONParseError?
        try Self.walkObject(&r, depth: 0) { (key, value) throws(JSONParseError) in
            for k in keys where Self.keyEquals(key, k, in: bytes) {
                if found[k] != nil, duplicate == nil {
                    duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(k)\"", offset: key.range.lowerBound, in: bytes)
                }
                found[k] = value
            }
        }
        try r.expectEnd()
        if let duplicate { throw duplicate }
        return found
    }

    /// The value at a dotted path of object keys ("usage.prompt_tokens"), or nil when a step
    /// is missing or not an object. Validates the whole document.
    public func value(atPath path: String, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        let steps = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return try value(at: steps, in: bytes)
    }

    public func value(at path: [String], in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        guard let first = path.first else { return try root(of: bytes) }
        guard var current = try topLevelFields(in: bytes, keys: [first])[first] else { return nil }
        for step in path.dropFirst() {
            guard current.kind == .object, let next = try member(step, of: current, in: bytes) else { return nil }
            current = next.value
        }
        return current
    }

    /// Member `key` of the object at `object` (a slice from an earlier scan of `bytes`).
    public func member(_ key: String, of object: JSONSlice, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONMember? {
        var result: JSONMember?
        var duplicate: JSONParseError?
        try forEachMember(of: object, in: bytes) { (m) throws(JSONParseError) in
            guard Self.keyEquals(m.key, key, in: bytes) else { return }
            if result != nil, duplicate == nil {
                duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: m.key.range.lowerBound, in: bytes)
            }
            result = m
        }
        if let duplicate { throw duplicate }
        return result
    }

    /// The value of member `key` of the object at `object`, without the removal-range
    /// bookkeeping of `member(_:of:in:)` (for reading, not splicing).
    public func value(forKey key: String, of object: JSONSlice, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        guard object.kind == .object, object.range.upperBound <= bytes.count else {
            throw JSONParseError(.typeMismatch, "not an object", offset: object.range.lowerBound, in: bytes)
        }
        var found: JSONSlice?
        var duplicate: JSONParseError?
        var r = JSONReader(bytes, at: object.range.lowerBound, maxDepth: maxDepth)
        try Self.walkObject(&r, depth: 0) { (k, v) throws(JSONParseError) in
            guard Self.keyEquals(k, key, in: bytes) else { return }
            if found != nil, duplicate == nil {
                duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: k.range.lowerBound, in: bytes)
            }
            found = v
        }
        if let duplicate { throw duplicate }
        return found
    }

    /// The values of `keys` among the members of the object at `object` (one pass; no
    /// removal ranges are computed, unlike `forEachMember`, since nothing is spliced).
    public func fields(of object: JSONSlice, keys: JSONKeys, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONFields {
        guard object.kind == .object, object.range.upperBound <= bytes.count else {
            throw JSONParseError(.typeMismatch, "not an object", offset: object.range.lowerBound, in: bytes)
        }
        var found = JSONFields(keys: keys)
        var duplicate: JSONParseError?
        var r = JSONReader(bytes, at: object.range.lowerBound, maxDepth: maxDepth)
        try Self.walkObject(&r, depth: 0) { (key, value) throws(JSONParseError) in
            guard let i = keys.index(of: key, in: bytes) else { return }
            if found.has(i), duplicate == nil {
                duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(keys.names[i])\"", offset: key.range.lowerBound, in: bytes)
            }
            found.set(i, value)
        }
        if let duplicate { throw duplicate }
        return found
    }

    public func fields(of object: JSONSlice, keys: [String], in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONFields {
        try fields(of: object, keys: JSONKeys(keys), in: bytes)
    }

    /// Member `key` of the root object, with its removal range, for splicing.
    public func topLevelMember(_ key: String, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONMember? {
        let r = try root(of: bytes)
        guard r.kind == .object else {
            throw JSONParseError(.typeMismatch, "the document is not a JSON object", offset: r.range.lowerBound, in: bytes)
        }
        return try member(key, of: r, in: bytes)
    }

    /// Calls `body` for every member of the object at `object`, in order.
    public func forEachMember(
        of object: JSONSlice, in bytes: UnsafeRawBufferPointer, _ body: (JSONMember) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard object.kind == .object, object.range.upperBound <= bytes.count else {
            throw JSONParseError(.typeMismatch, "not an object", offset: object.range.lowerBound, in: bytes)
        }
        var r = JSONReader(bytes, at: object.range.lowerBound, maxDepth: maxDepth)
        // Each member is reported once the next separator is known, so its removal range can
        // include the right comma.
        var pending: (key: JSONSlice, value: JSONSlice, prevComma: Int?)?
        var lastComma: Int?
        var index = 0
        try Self.walkObject(&r, depth: 0, onComma: { (comma) in
            // Whitespace before the comma goes with the member it precedes.
            var start = comma
            while start > 0, JSONReader.isWhitespace(bytes[start - 1]) { start -= 1 }
            lastComma = start
        }) { (key, value) throws(JSONParseError) in
            if let p = pending {
                let removal = p.prevComma.map { $0..<p.value.range.upperBound } ?? (p.key.range.lowerBound..<key.range.lowerBound)
                try body(JSONMember(key: p.key, value: p.value, removalRange: removal))
            }
            pending = (key, value, index == 0 ? nil : lastComma)
            index += 1
        }
        if let p = pending {
            let removal = p.prevComma.map { $0..<p.value.range.upperBound } ?? (p.key.range.lowerBound..<p.value.range.upperBound)
            try body(JSONMember(key: p.key, value: p.value, removalRange: removal))
        }
    }

    /// Calls `body` for every element of the array at `array`, in order.
    public func forEachElement(
        of array: JSONSlice, in bytes: UnsafeRawBufferPointer, _ body: (JSONSlice) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard array.kind == .array, array.range.upperBound <= bytes.count else {
            throw JSONParseError(.typeMismatch, "not an array", offset: array.range.lowerBound, in: bytes)
        }
        var r = JSONReader(bytes, at: array.range.lowerBound + 1, maxDepth: maxDepth)
        if try r.peekToken("a value or ']'") == 0x5D { return }
        while true {
            try body(try r.skipValue(depth: 1))
            let c = try r.peekToken("',' or ']'")
            r.pos += 1
            if c == 0x5D { return }
            guard c == 0x2C else { throw r.fail(.unexpectedByte, "expected ',' or ']'", at: r.pos - 1) }
        }
    }

    // MARK: Internals

    /// Walks the object whose '{' is the next token, calling `member` for each member with
    /// the key and value slices; validates everything it passes.
    static func walkObject(
        _ r: inout JSONReader, depth: Int, onComma: (Int) -> Void = { _ in },
        _ member: (JSONSlice, JSONSlice) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard try r.peekToken("'{'") == 0x7B else { throw r.fail(.unexpectedByte, "expected '{'") }
        try r.enter(depth)
        r.pos += 1
        if try r.peekToken("a key or '}'") == 0x7D { r.pos += 1; return }
        while true {
            guard try r.peekToken("a key") == 0x22 else { throw r.fail(.unexpectedByte, "expected a string key") }
            let keyStart = r.pos
            try r.scanString()
            let key = JSONSlice(kind: .string, range: keyStart..<r.pos)
            guard try r.peekToken("':'") == 0x3A else { throw r.fail(.unexpectedByte, "expected ':' after a key") }
            r.pos += 1
            let value = try r.skipValue(depth: depth + 1)
            try member(key, value)
            let c = try r.peekToken("',' or '}'")
            r.pos += 1
            if c == 0x7D { return }
            guard c == 0x2C else { throw r.fail(.unexpectedByte, "expected ',' or '}'", at: r.pos - 1) }
            onComma(r.pos - 1)
        }
    }

    /// Compares a key literal to `key` on bytes; decodes only keys written with escapes.
    static func keyEquals(_ literal: JSONSlice, _ key: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        literal.stringEquals(key, in: bytes)
    }
}

extension JSONScanner {
    /// `topLevelFields` with the default depth limit.
    public static func topLevelFields(in bytes: UnsafeRawBufferPointer, keys: [String]) throws(JSONParseError) -> [String: JSONSlice] {
        try JSONScanner().topLevelFields(in: bytes, keys: keys)
    }

    /// `value(atPath:)` with the default depth limit.
    public static func value(atPath path: String, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        try JSONScanner().value(atPath: path, in: bytes)
    }

    /// Whether `bytes` is one valid JSON document.
    public static func isValid(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) -> Bool {
        (try? JSONScanner(maxDepth: maxDepth).root(of: bytes)) != nil
    }
}
