import TollgateJSON

/// Pixel size of an inline image, read from its header inside base64 data (PNG, GIF, JPEG,
/// WebP) without decoding the whole payload: only the few bytes a header needs are decoded,
/// by random access into the base64 text. Lets the image bounds use the real size instead of
/// the per-model cap.
public struct ImageSize: Sendable, Equatable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The size of the image in a JSON string slice holding base64 data or a
    /// `data:image/...;base64,` URL. Nil for URLs, escaped strings, unknown formats, or
    /// headers that do not parse (then the caller uses the cap).
    static func sniff(_ slice: JSONSlice?, in bytes: UnsafeRawBufferPointer) -> ImageSize? {
        guard let slice, slice.kind == .string, slice.byteCount > 2 else { return nil }
        var start = slice.range.lowerBound + 1
        let end = slice.range.upperBound - 1
        // A data URL: the payload follows the first comma ("data:image/png;base64,").
        if end - start >= 5 && bytes[start..<(start + 5)].elementsEqual("data:".utf8) {
            var i = start + 5
            let limit = min(end, start + 256)
            while i < limit && bytes[i] != 0x2C { i += 1 }
            guard i < limit else { return nil }
            start = i + 1
        }
        // Escapes (e.g. "\/" from PHP encoders) would break random access: give up, use the cap.
        for i in start..<min(end, start + 512) where bytes[i] == 0x5C { return nil }
        let reader = Base64Reader(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        let size = reader.imageSize()
        guard let size, size.width > 0, size.height > 0, size.width <= 1 << 16, size.height <= 1 << 16 else { return nil }
        return size
    }
}

/// Random access to the bytes encoded by base64 text (standard or URL-safe alphabet).
struct Base64Reader {
    let bytes: UnsafeRawBufferPointer

    var decodedCount: Int { bytes.count / 4 * 3 }

    static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x41...0x5A: return UInt32(c - 0x41)
        case 0x61...0x7A: return UInt32(c - 0x61 + 26)
        case 0x30...0x39: return UInt32(c - 0x30 + 52)
        case 0x2B, 0x2D: return 62
        case 0x2F, 0x5F: return 63
        case 0x3D: return 0
        default: return nil
        }
    }

    /// Decoded byte `i`, or nil past the end or on a non-base64 character.
    func byte(_ i: Int) -> UInt8? {
        let g = i / 3 * 4
        guard i >= 0, g + 3 < bytes.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = Self.value(bytes[g + k]) else { return nil }
            v = v << 6 | d
        }
        return UInt8(truncatingIfNeeded: v >> (16 - 8 * UInt32(i % 3)))
    }

    func be16(_ i: Int) -> Int? {
        guard let a = byte(i), let b = byte(i + 1) else { return nil }
        return Int(a) << 8 | Int(b)
    }

    func le16(_ i: Int) -> Int? {
        guard let a = byte(i), let b = byte(i + 1) else { return nil }
        return Int(b) << 8 | Int(a)
    }

    func le24(_ i: Int) -> Int? {
        guard let a = le16(i), let c = byte(i + 2) else { return nil }
        return Int(c) << 16 | a
    }

    func be32(_ i: Int) -> Int? {
        guard let a = be16(i), let b = be16(i + 2) else { return nil }
        return a << 16 | b
    }

    func matches(_ i: Int, _ magic: [UInt8]) -> Bool {
        for (k, m) in magic.enumerated() where byte(i + k) != m { return false }
        return true
    }

    func imageSize() -> ImageSize? {
        if matches(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && matches(12, Array("IHDR".utf8)) {
            guard let w = be32(16), let h = be32(20) else { return nil }
            return ImageSize(width: w, height: h)
        }
        if matches(0, Array("GIF8".utf8)) {
            guard let w = le16(6), let h = le16(8) else { return nil }
            return ImageSize(width: w, height: h)
        }
        if matches(0, [0xFF, 0xD8]) { return jpegSize() }
        if matches(0, Array("RIFF".utf8)) && matches(8, Array("WEBP".utf8)) { return webpSize() }
        return nil
    }

    /// Walks JPEG segments (by their lengths, decoding only marker bytes) to the first
    /// start-of-frame marker.
    func jpegSize() -> ImageSize? {
        var p = 2
        var steps = 0
        while steps < 4096, p + 1 < decodedCount {
            steps += 1
            guard byte(p) == 0xFF, var m = byte(p + 1) else { return nil }
            while m == 0xFF { p += 1; guard let n = byte(p + 1) else { return nil }; m = n }
            switch m {
            case 0xC0...0xCF where m != 0xC4 && m != 0xC8 && m != 0xCC:
                guard let h = be16(p + 5), let w = be16(p + 7) else { return nil }
                return ImageSize(width: w, height: h)
            case 0x01, 0xD0...0xD8:
                p += 2
            case 0xD9, 0xDA:
                return nil // end of image / scan data before any frame header
            default:
                guard let len = be16(p + 2), len >= 2 else { return nil }
                p += 2 + len
            }
        }
        return nil
    }

    func webpSize() -> ImageSize? {
        if matches(12, Array("VP8X".utf8)) {
            guard let w = le24(24), let h = le24(27) else { return nil }
            return ImageSize(width: w + 1, height: h + 1)
        }
        if matches(12, Array("VP8L".utf8)) {
            guard byte(20) == 0x2F, let b0 = byte(21), let b1 = byte(22), let b2 = byte(23), let b3 = byte(24) else { return nil }
            let w = 1 + (Int(b1 & 0x3F) << 8 | Int(b0))
            let h = 1 + (Int(b3 & 0x0F) << 10 | Int(b2) << 2 | Int(b1 & 0xC0) >> 6)
            return ImageSize(width: w, height: h)
        }
        if matches(12, Array("VP8 ".utf8)) {
            guard matches(23, [0x9D, 0x01, 0x2A]), let w = le16(26), let h = le16(28) else { return nil }
            return ImageSize(width: w & 0x3FFF, height: h & 0x3FFF)
        }
        return nil
    }
}
