/// One `key: value` pair of a mapping. The key keeps its own location because unknown-key and
/// duplicate-key errors must point at the key, not at the value.
public struct ConfigMappingEntry: Sendable, Equatable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: ConfigNode

    public init(key: String, keyLocation: SourceLocation, value: ConfigNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}
