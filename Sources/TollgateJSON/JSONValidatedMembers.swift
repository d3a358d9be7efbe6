/// Steps through the members of an object in a document that was validated already, without
/// validating again: a key is its quotes, a value ends where its container or the next comma
/// starts. For a reader of a few fields (the usage object of a response) after the one
/// validating pass: a validating walk with a closure per member cost ~500 instructions a
/// member (callgrind), this a few dozen. Inlinable so the reader's loop is one function.
///
/// Only for slices of a validated document: on other bytes it stops early or returns
/// nonsense ranges, but never reads outside the object's range.
public struct JSONValidatedMembers {
    public typealias Member = (key: Range<Int>, keyEscaped: Bool, value: JSONSlice)

    @usableFromInline let base: UnsafeRawPointer
    /// Index of the object's closing brace.
    @usableFromInline let end: Int
    @usableFromInline var pos: Int

    /// Not an object (or out of `bytes`): no members.
    @inlinable
    public init(object: JSONSlice, in bytes: UnsafeRawBufferPointer) {
        if object.kind == .object, object.range.count >= 2, object.range.upperBound <= bytes.count, let b = bytes.baseAddress {
            base = b
            pos = object.range.lowerBound + 1
            end = object.range.upperBound - 1
        } else {
            base = UnsafeRawPointer(bitPattern: 1)!
            pos = 0
            end = 0
        }
    }

    @inlinable @inline(__always)
    func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    @inlinable @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let b = byte(pos)
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// From an opening quote to after the closing one; whether it held escapes. Eight bytes
    /// at a time up to the first '"' or '\\' (as `JSONReader.scanString`; the mask's lowest
    /// set bit is exact), then byte by byte.
    @inlinable @inline(__always)
    mutating func skipString() -> Bool {
        var escaped = false
        pos += 1
        let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
        while pos + 8 <= end {
            let w = base.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
            let quote = ((w ^ (lo &* 0x22)) &- lo) & ~(w ^ (lo &* 0x22)) & hi
            let backslash = ((w ^ (lo &* 0x5C)) &- lo) & ~(w ^ (lo &* 0x5C)) & hi
            let mask = quote | backslash
            if mask != 0 {
                pos += mask.trailingZeroBitCount >> 3
                break
            }
            pos += 8
        }
        while pos < end {
            let b = byte(pos)
            if b == 0x22 { pos += 1; return escaped }
            if b == 0x5C { escaped = true; pos += 2 } else { pos += 1 }
        }
        return escaped
    }

    /// The next member, or nil after the last one. Always inlined: called across modules it
    /// stayed a call, ~140 instructions a member (callgrind).
    @inlinable @inline(__always)
    public mutating func next() -> Member? {
        skipWhitespace()
        if pos < end && byte(pos) == 0x2C { pos += 1; skipWhitespace() }
        guard pos < end, byte(pos) == 0x22 else { return nil }
        let keyStart = pos
        let escaped = skipString()
        let keyEnd = pos
        skipWhitespace()
        pos += 1  // ':'
        skipWhitespace()
        guard pos < end else { return nil }
        let start = pos
        let kind: JSONSlice.Kind
        switch byte(pos) {
        case 0x22:
            kind = .string
            _ = skipString()
        case 0x7B, 0x5B:
            kind = byte(pos) == 0x7B ? .object : .array
            var depth = 0
            while pos < end {
                let b = byte(pos)
                if b == 0x22 { _ = skipString(); continue }
                pos += 1
                if b == 0x7B || b == 0x5B {
                    depth += 1
                } else if b == 0x7D || b == 0x5D {
                    depth -= 1
                    if depth == 0 { break }
                }
            }
        case 0x74: kind = .true; pos += 4
        case 0x66: kind = .false; pos += 5
        case 0x6E: kind = .null; pos += 4
        default:
            kind = .number
            while pos < end {
                let b = byte(pos)
                if b == 0x2C || b == 0x7D || b == 0x5D || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                pos += 1
            }
        }
        guard pos <= end else { return nil }
        return (keyStart..<keyEnd, escaped, JSONSlice(kind: kind, range: start..<pos))
    }
}
