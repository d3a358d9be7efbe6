/// Where one object member sits, for splicing a body without re-serializing it.
public struct JSONMember: Sendable, Hashable {
    /// The key literal, quotes included.
    public var key: JSONSlice
    public var value: JSONSlice
    /// The bytes to cut to remove this member and keep the object valid and otherwise
    /// byte-identical: from the preceding comma (and whitespace before it) through the value when the member is not the
    /// first (`,"usage":null`), else from the key up to the next member's key
    /// (`"usage":null,` and the whitespace after the comma), else just the member.
    public var removalRange: Range<Int>

    public init(key: JSONSlice, value: JSONSlice, removalRange: Range<Int>) {
        self.key = key
        self.value = value
        self.removalRange = removalRange
    }
}
