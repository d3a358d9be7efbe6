/// The values found for a short list of keys, aligned with the keys: what `JSONScanner
/// .fields(of:keys:in:)` returns instead of a dictionary, so a per-event lookup costs one
/// small array and no hashing.
public struct JSONFields: Sendable {
    public let keys: JSONKeys
    public private(set) var values: [JSONSlice?]

    public init(keys: JSONKeys) {
        self.keys = keys
        // Allocated on the first key found: lookups in absent or unrelated objects (most of
        // them, per request) cost no allocation.
        values = []
    }

    mutating func set(_ index: Int, _ value: JSONSlice) {
        if values.isEmpty {
            // reserveCapacity + append: `Array(repeating:count:)` takes an unspecialized
            // standard-library path that looks up generic metadata (~700 instructions a call).
            values.reserveCapacity(keys.count)
            for _ in 0..<keys.count { values.append(nil) }
        }
        values[index] = value
    }

    func has(_ index: Int) -> Bool { !values.isEmpty && values[index] != nil }

    /// The value of `key` (which must be one of `keys` to be found). Literal keys compare as
    /// bytes against the prepared key bytes: no String comparison on the hot path.
    public subscript(key: StaticString) -> JSONSlice? {
        guard key.hasPointerRepresentation, let i = keys.index(ofUTF8: UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)) else {
            return value(for: key.description)
        }
        return values.isEmpty ? nil : values[i]
    }

    /// The value of the key at position `key.rawValue` of `keys`: an array read. Hot call sites
    /// name their keys with an Int enum in their `JSONKeys` order (a StaticString lookup scans
    /// the names: ~165 instructions, 27 of them per OpenAI chat request, callgrind).
    @inlinable
    public subscript<K: RawRepresentable>(key: K) -> JSONSlice? where K.RawValue == Int {
        values.isEmpty ? nil : values[key.rawValue]
    }

    /// The value of `keys.names[index]`.
    public subscript(index: Int) -> JSONSlice? { values.isEmpty ? nil : values[index] }

    /// The value of a key given at run time.
    public func value(for key: String) -> JSONSlice? {
        guard !values.isEmpty else { return nil }
        for i in keys.names.indices where keys.names[i] == key { return values[i] }
        return nil
    }

    public var isEmpty: Bool { values.allSatisfy { $0 == nil } }
}
