/// A prepared list of object keys to look up: their UTF-8 bytes flattened once, so matching a
/// member's key literal costs a length compare and a memcmp per candidate, with no String
/// work on the hot path. Make one per call site (`static let`) and reuse it.
public struct JSONKeys: Sendable {
    public let names: [String]
    let bytes: [UInt8]
    let bounds: [Range<Int>]

    public init(_ names: [String]) {
        self.names = names
        var bytes: [UInt8] = []
        var bounds: [Range<Int>] = []
        for n in names {
            let start = bytes.count
            bytes.append(contentsOf: n.utf8)
            bounds.append(start..<bytes.count)
        }
        self.bytes = bytes
        self.bounds = bounds
    }

    public var count: Int { names.count }

    /// Index of the key whose UTF-8 is `text`.
    func index(ofUTF8 text: UnsafeRawBufferPointer) -> Int? {
        bytes.withUnsafeBytes { kb -> Int? in
            for i in bounds.indices where bounds[i].count == text.count {
                if text.isEmpty || memcmpEqual(text.baseAddress!, kb.baseAddress! + bounds[i].lowerBound, text.count) { return i }
            }
            return nil
        }
    }

    /// Index of the key the literal `key` (a string slice of `document`) spells, if any.
    func index(of key: JSONSlice, in document: UnsafeRawBufferPointer) -> Int? {
        let innerStart = key.range.lowerBound + 1
        let innerCount = key.range.count - 2
        guard innerCount >= 0 else { return nil }
        var escaped: Bool?
        return bytes.withUnsafeBytes { kb -> Int? in
            for i in bounds.indices {
                let b = bounds[i]
                if b.count == innerCount {
                    if innerCount == 0 || memcmpEqual(document.baseAddress! + innerStart, kb.baseAddress! + b.lowerBound, innerCount) {
                        // Same bytes: equal unless the literal uses escapes (then it decodes shorter).
                        if escaped == nil { escaped = document[innerStart..<(innerStart + innerCount)].contains(0x5C) }
                        if escaped == false { return i }
                    }
                } else if b.count < innerCount {
                    if escaped == nil { escaped = document[innerStart..<(innerStart + innerCount)].contains(0x5C) }
                    if escaped == true && key.stringEquals(names[i], in: document) { return i }
                }
            }
            return nil
        }
    }
}
