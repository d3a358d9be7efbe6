/// Text from the file quoted into an error message: errors are one line each, so line breaks
/// and control characters are escaped, and long values are cut so a message stays readable.
enum ConfigMessageText {
    static func show(_ s: String, limit: Int = 60) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for c in s.unicodeScalars {
            if count == limit {
                out.append(contentsOf: "...".unicodeScalars)
                break
            }
            count += 1
            switch c {
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if c.value < 0x20 || (c.value >= 0x7F && c.value <= 0x9F) || c == "\u{2028}" || c == "\u{2029}" {
                    out.append(contentsOf: "\\u{\(String(c.value, radix: 16))}".unicodeScalars)
                } else {
                    out.append(c)
                }
            }
        }
        return String(out)
    }
}
