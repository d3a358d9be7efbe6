/// Builds a `JSONValue` tree from UTF-8 bytes with `JSONReader`'s strict validation. Used where
/// a whole document must be read (config, bodies that get rewritten in full); hot paths use
/// `JSONScanner` instead.
struct JSONParser {
    var reader: JSONReader
    /// Scratch buffer for strings with escapes, reused across strings.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        reader = JSONReader(bytes, maxDepth: maxDepth)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let v = try parseValue(depth: 0)
        try reader.expectEnd()
        return v
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        let b = try reader.peekToken("a value")
        switch b {
        case 0x7B:
            try reader.enter(depth)
            reader.pos += 1
            var members: [(key: String, value: JSONValue)] = []
            if try reader.peekToken("a key or '}'") == 0x7D { reader.pos += 1; return .object(members) }
            while true {
                guard try reader.peekToken("a key") == 0x22 else { throw reader.fail(.unexpectedByte, "expected a string key") }
                let key = try parseString()
                guard try reader.peekToken("':'") == 0x3A else { throw reader.fail(.unexpectedByte, "expected ':' after a key") }
                reader.pos += 1
                members.append((key: key, value: try parseValue(depth: depth + 1)))
                let c = try reader.peekToken("',' or '}'")
                reader.pos += 1
                if c == 0x7D { return .object(members) }
                guard c == 0x2C else { throw reader.fail(.unexpectedByte, "expected ',' or '}'", at: reader.pos - 1) }
            }
        case 0x5B:
            try reader.enter(depth)
            reader.pos += 1
            var elements: [JSONValue] = []
            if try reader.peekToken("a value or ']'") == 0x5D { reader.pos += 1; return .array(elements) }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                let c = try reader.peekToken("',' or ']'")
                reader.pos += 1
                if c == 0x5D { return .array(elements) }
                guard c == 0x2C else { throw reader.fail(.unexpectedByte, "expected ',' or ']'", at: reader.pos - 1) }
            }
        case 0x22:
            return .string(try parseString())
        default:
            let slice = try reader.skipValue(depth: depth)
            switch slice.kind {
            case .true: return .bool(true)
            case .false: return .bool(false)
            case .null: return .null
            default:
                return .number(String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[slice.range]), as: UTF8.self))
            }
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = reader.pos
        let escaped = try reader.scanString()
        let bytes = reader.bytes
        if !escaped {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<(reader.pos - 1)]), as: UTF8.self)
        }
        scratch.removeAll(keepingCapacity: true)
        JSONReader.decodeString(bytes, start..<reader.pos, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}
