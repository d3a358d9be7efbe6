/// The values found for a short list of keys, aligned with the keys: what `JSONScanner
/// .fields(of:keys:in:)` returns instead of a dictionary, so a per-event lookup costs one
/// small array and no hashing.
public struct JSONFields: Sendable {
    public let keys: [String]
    public private(set) var values: [JSONSlice?]

    public init(keys: [String]) {
        self.keys = keys
        values = Array(repeating: nil, count: keys.count)
    }

    mutating func set(_ index: Int, _ value: JSONSlice) { values[index] = value }

    /// The value of `key` (which must be one of `keys` to be found).
    public subscript(key: String) -> JSONSlice? {
        for i in keys.indices where keys[i] == key { return values[i] }
        return nil
    }

    public var isEmpty: Bool { values.allSatisfy { $0 == nil } }
}
