/// A shell-style pattern for server and tool names: `*` matches any run of characters
/// (including none), `?` one character; everything else matches itself. No character classes:
/// names are `[a-zA-Z0-9_./-]` and a policy should read plainly.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let chars: [UInt8]

    public init(_ text: String) {
        self.text = text
        self.chars = Array(text.utf8)
    }

    public var description: String { text }

    public func matches(_ name: String) -> Bool {
        let s = Array(name.utf8)
        // Iterative matching with one backtrack point: linear in practice, never exponential.
        var p = 0, i = 0
        var starP = -1, starI = 0
        while i < s.count {
            if p < chars.count && (chars[p] == UInt8(ascii: "?") || chars[p] == s[i]) {
                p += 1
                i += 1
            } else if p < chars.count && chars[p] == UInt8(ascii: "*") {
                starP = p
                starI = i
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starI += 1
                i = starI
            } else {
                return false
            }
        }
        while p < chars.count && chars[p] == UInt8(ascii: "*") { p += 1 }
        return p == chars.count
    }
}
