/// A mapping being decoded: look keys up as required or optional. Unknown keys were already
/// refused by `ConfigDecoder.mapping(allowedKeys:)`.
public struct ConfigMapping: Sendable {
    public let decoder: ConfigDecoder
    let entryList: [ConfigMappingEntry]

    init(_ decoder: ConfigDecoder, entries: [ConfigMappingEntry]) {
        self.decoder = decoder
        self.entryList = entries
    }

    public var node: ConfigNode { decoder.node }
    public var location: SourceLocation { decoder.location }
    public var path: String { decoder.path }

    /// Keys in file order.
    public var keys: [String] { entryList.map(\.key) }

    /// Every entry in file order, each value with its own path.
    public var entries: [(key: String, keyLocation: SourceLocation, value: ConfigDecoder)] {
        entryList.map { ($0.key, $0.keyLocation, decoder.child($0.value, key: $0.key)) }
    }

    public func contains(_ key: String) -> Bool { entryList.contains { $0.key == key } }

    /// The value of `key`, present even if null; nil when the key is absent.
    public subscript(key: String) -> ConfigDecoder? {
        guard let e = entryList.first(where: { $0.key == key }) else { return nil }
        return decoder.child(e.value, key: key)
    }

    /// The value of `key`; absent or null is an error at the mapping.
    public func required(_ key: String) throws(ConfigDecodeError) -> ConfigDecoder {
        guard let e = entryList.first(where: { $0.key == key }) else {
            let which = path.isEmpty ? "the top-level mapping" : "mapping '\(ConfigMessageText.show(path, limit: 120))'"
            throw ConfigDecodeError(
                .missingKey, at: location, path: path, "missing required key '\(key)' in \(which) at \(location)")
        }
        let value = decoder.child(e.value, key: key)
        if value.isNull {
            throw ConfigDecodeError(.missingKey, at: value.location, path: value.path, "key '\(key)' needs a value")
        }
        return value
    }

    /// The value of `key`, or nil when it is absent or null.
    public func optional(_ key: String) -> ConfigDecoder? {
        self[key]?.optional
    }
}
