extension JSONScanner {
    /// Whether the key literal at `key` (quotes included; `escaped` if it holds escapes)
    /// spells `name`, compared as the tape compares keys.
    @inlinable @inline(__always)
    public static func keyLiteral(_ key: Range<Int>, escaped: Bool, equals name: StaticString, in bytes: UnsafeRawBufferPointer) -> Bool {
        JSONTape.keyLiteral(key, escaped: escaped, equals: name, in: bytes)
    }
}
