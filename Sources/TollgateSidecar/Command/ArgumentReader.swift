/// Reads `--flag value` and `--flag=value` arguments one at a time, with errors that name the flag.
struct ArgumentReader {
    private var args: [String]
    private var index = 0

    init(_ args: [String]) { self.args = args }

    var isAtEnd: Bool { index >= args.count }

    /// The next flag name (without an inline value) and its inline value, if any.
    mutating func nextFlag() throws(ConfigError) -> (name: String, inline: String?) {
        let a = args[index]
        index += 1
        guard a.hasPrefix("-") else { throw ConfigError("unexpected argument '\(a)'") }
        if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
            return (String(a[..<eq]), String(a[a.index(after: eq)...]))
        }
        return (a, nil)
    }

    mutating func value(for flag: (name: String, inline: String?)) throws(ConfigError) -> String {
        if let v = flag.inline { return v }
        guard index < args.count else { throw ConfigError("\(flag.name) needs a value") }
        let v = args[index]
        index += 1
        return v
    }

    mutating func int(for flag: (name: String, inline: String?), min: Int = 0, max: Int = .max) throws(ConfigError) -> Int {
        let v = try value(for: flag)
        guard let n = Int(v), n >= min, n <= max else { throw ConfigError("\(flag.name) expects an integer between \(min) and \(max), got '\(v)'") }
        return n
    }

    mutating func seconds(for flag: (name: String, inline: String?), allowZero: Bool = false) throws(ConfigError) -> Double {
        let v = try value(for: flag)
        if allowZero && (v == "0" || v == "off") { return 0 }
        var text = Substring(v)
        var scale = 1.0
        if text.hasSuffix("ms") { text = text.dropLast(2); scale = 0.001 } else if text.hasSuffix("s") { text = text.dropLast() } else if text.hasSuffix("m") { text = text.dropLast(); scale = 60 }
        guard let d = Double(text), d > 0, d.isFinite else { throw ConfigError("\(flag.name) expects a positive duration in seconds (e.g. 30, 1.5, 500ms), got '\(v)'") }
        return d * scale
    }
}
