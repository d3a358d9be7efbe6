/// Where one JSON value sits in a document: its kind and its byte range (no surrounding
/// whitespace). Reading a slice decodes only that value, so callers pull a few fields out of a
/// large body without building a tree.
public struct JSONSlice: Sendable, Hashable {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null

        /// Concrete, so `kind == .object` compares two bytes: the compiler otherwise picked
        /// the generic `Equatable` (RawRepresentable) operator through a witness table, ~20
        /// instructions a compare on the tape's hot loop (callgrind).
        @inlinable @inline(__always)
        public static func == (a: Kind, b: Kind) -> Bool { a.rawValue == b.rawValue }
    }

    public var kind: Kind
    public var range: Range<Int>

    @inlinable public init(kind: Kind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    /// Byte length of the value as written (a string's includes its quotes and escapes).
    @inlinable public var byteCount: Int { range.count }
    @inlinable public var isNull: Bool { kind == .null }

    /// The bytes of this value within `document`.
    public func bytes(in document: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: document[range])
    }
}
