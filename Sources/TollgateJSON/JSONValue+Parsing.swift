extension JSONValue {
    /// Parses one strict RFC 8259 document (UTF-8, no BOM, no comments, no trailing commas,
    /// no lone surrogates; whitespace around the value allowed). Containers nested deeper than
    /// `maxDepth` are refused rather than risking the stack.
    public init(parsing bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) throws(JSONParseError) {
        var parser = JSONParser(bytes, maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    public init(parsing bytes: [UInt8], maxDepth: Int = JSONLimits.defaultMaxDepth) throws(JSONParseError) {
        self = try withJSONBytes(bytes) { (buf) throws(JSONParseError) -> JSONValue in
            try JSONValue(parsing: buf, maxDepth: maxDepth)
        }
    }

    public init(parsing text: String, maxDepth: Int = JSONLimits.defaultMaxDepth) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), maxDepth: maxDepth)
    }
}
