/// Value checks of the durability and admin flags (`--wal-sync-interval`, `--admin-token`).
extension SidecarCommand {
    /// Seconds; "0" syncs each batch at once; 500us, 2ms, 0.005 and 1s forms accepted.
    static func walSyncInterval(_ v: String) throws(ConfigError) -> Double {
        var text = Substring(v)
        var scale = 1.0
        if text.hasSuffix("us") { text = text.dropLast(2); scale = 1e-6 } else if text.hasSuffix("ms") { text = text.dropLast(2); scale = 1e-3 } else if text.hasSuffix("s") { text = text.dropLast() }
        guard let d = Double(text), d.isFinite, d >= 0, d * scale <= 1 else {
            throw ConfigError("--wal-sync-interval expects a duration from 0 to 1s (e.g. 2ms, 500us, 0.005), got '\(v)'")
        }
        return d * scale
    }

    /// The token without surrounding whitespace; refuses an empty or very short one (a typo, or
    /// an empty file, must not leave the admin API open to a guessable token).
    static func adminToken(_ raw: String, from source: String) throws(ConfigError) -> String {
        let token = String(raw.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        guard token.utf8.count >= 16 else {
            throw ConfigError("\(source): the admin token must be at least 16 characters")
        }
        guard token.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\u{7f}" && ($0.asciiValue ?? 0) >= 0x21 }) else {
            throw ConfigError("\(source): the admin token must be printable ASCII without spaces")
        }
        return token
    }
}
