/// Reads one node of a parsed configuration as the schema expects it, with errors that name
/// the location, the key path and what was expected. Higher layers describe their schema as
/// plain code:
///
///     let root = try ConfigDecoder(node, secrets: .system()).mapping(allowedKeys: ["listen", "upstream"])
///     let listen = try root.required("listen").string()
///     let timeout = try root.optional("timeout")?.duration() ?? .seconds(30)
///
/// Typing follows the YAML 1.2 core schema: only plain scalars are numbers, booleans or null;
/// a quoted "8080" is a string, and asking it for an integer says so.
public struct ConfigDecoder: Sendable {
    public let node: ConfigNode
    /// Dotted key path to this node ("providers.openai.timeout", "models[2]"); "" at the root.
    public let path: String
    /// Resolver used by `secret()` and `interpolatedString()`; nil means references are errors.
    public let secrets: SecretResolver?

    public init(_ node: ConfigNode, secrets: SecretResolver? = nil) {
        self.init(node, path: "", secrets: secrets)
    }

    init(_ node: ConfigNode, path: String, secrets: SecretResolver?) {
        self.node = node
        self.path = path
        self.secrets = secrets
    }

    public var location: SourceLocation { node.location }
    public var isNull: Bool { node.isNull }
    /// nil for an empty value or `null`, so optional settings read as `x.optional?.int()`.
    public var optional: ConfigDecoder? { isNull ? nil : self }

    /// An error at this node, for validation the decoder cannot express (an upstream URL
    /// scheme, a weight that must sum to 100...).
    public func error(_ code: ConfigDecodeError.Code = .invalidValue, _ message: String) -> ConfigDecodeError {
        ConfigDecodeError(code, at: location, path: path, message)
    }

    func child(_ node: ConfigNode, key: String) -> ConfigDecoder {
        ConfigDecoder(node, path: path.isEmpty ? key : "\(path).\(key)", secrets: secrets)
    }

    func child(_ node: ConfigNode, index: Int) -> ConfigDecoder {
        ConfigDecoder(node, path: "\(path)[\(index)]", secrets: secrets)
    }

    /// "expected X, found Y", where Y shows a short scalar as written.
    func mismatch(_ expected: String) -> ConfigDecodeError {
        var found = node.kindDescription
        if let s = node.scalar, !s.isNull {
            let shown = ConfigMessageText.show(s.text, limit: 40)
            found = s.isQuoted ? "the quoted string \"\(shown)\"" : "'\(shown)'"
            if s.style == .literal || s.style == .folded { found = "a block string" }
        }
        return error(.typeMismatch, "expected \(expected), found \(found)")
    }

    // MARK: Collections

    /// A mapping whose keys must all be in `allowedKeys`; an unknown key is an error at the
    /// key, with a suggestion when it looks like a typo. An empty value reads as an empty
    /// mapping, so a section whose keys are all commented out is fine.
    public func mapping(allowedKeys: [String]) throws(ConfigDecodeError) -> ConfigMapping {
        let m = try mapping()
        for entry in m.node.entries ?? [] where !allowedKeys.contains(entry.key) {
            var message = "unknown key '\(ConfigMessageText.show(entry.key))'"
            if !path.isEmpty { message += " in '\(ConfigMessageText.show(path, limit: 120))'" }
            if let s = EditDistance.suggestion(for: entry.key, in: allowedKeys) {
                message += " (did you mean '\(s)'?)"
            } else if allowedKeys.isEmpty {
                message += "; no keys are allowed here"
            } else {
                message += "; expected one of: \(allowedKeys.joined(separator: ", "))"
            }
            throw ConfigDecodeError(.unknownKey, at: entry.keyLocation, path: path, message)
        }
        return m
    }

    /// A mapping with arbitrary keys (a table of named providers, say).
    public func mapping() throws(ConfigDecodeError) -> ConfigMapping {
        if isNull { return ConfigMapping(self, entries: []) }
        guard let entries = node.entries else { throw mismatch("a mapping") }
        return ConfigMapping(self, entries: entries)
    }

    /// Each element of a list decoded by `element`, which sees paths like "models[2]".
    public func list<T>(_ element: (ConfigDecoder) throws(ConfigDecodeError) -> T) throws(ConfigDecodeError) -> [T] {
        guard let items = node.items else { throw mismatch("a list") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            out.append(try element(child(item, index: i)))
        }
        return out
    }

    // MARK: Scalars

    /// Any non-null scalar, as written (numbers included: `model: 4` is the string "4").
    /// `${...}` is not expanded; use `interpolatedString()` or `secret()` for that.
    public func string() throws(ConfigDecodeError) -> String {
        guard let s = node.scalar, !s.isNull else { throw mismatch("a string") }
        return s.text
    }

    /// A string with `${NAME}` references expanded, for non-secret settings such as URLs.
    public func interpolatedString() throws(ConfigDecodeError) -> String {
        let text = try string()
        guard let secrets else {
            if text.contains("${") { throw error(.unresolvedVariable, "'${...}' references are not available here") }
            return text
        }
        return try secrets.interpolate(text, at: location, path: path)
    }

    /// A secret: `${NAME}` references and `file:/path` resolved, wrapped so it cannot be
    /// logged by accident.
    public func secret() throws(ConfigDecodeError) -> Secret {
        let text = try string()
        guard let secrets else {
            throw error(.unresolvedVariable, "secret references cannot be resolved here (no resolver)")
        }
        return try secrets.resolve(text, at: location, path: path)
    }

    func plainText(_ expected: String) throws(ConfigDecodeError) -> String {
        guard let s = node.scalar, s.isPlain, !s.isNull else {
            var e = mismatch(expected)
            if let s = node.scalar, s.isQuoted { e.message += " (write it without quotes)" }
            throw e
        }
        return s.text
    }

    /// A plain integer: decimal with optional sign and `_` separators, or 0x hexadecimal.
    public func int(range: ClosedRange<Int>? = nil) throws(ConfigDecodeError) -> Int {
        let text = try plainText("an integer")
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        let cleaned = digits.filter { $0 != "_" }
        let validDigits = !cleaned.isEmpty && !digits.hasPrefix("_")
            && cleaned.allSatisfy { $0.isASCII && ($0.hexDigitValue ?? 99) < radix }
        guard validDigits else { throw mismatch("an integer") }
        let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
        guard let magnitude = UInt64(cleaned, radix: radix), magnitude <= limit else {
            throw error(.outOfRange, "integer \(ConfigMessageText.show(text)) is too large")
        }
        let value = negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude)
        if let range, !range.contains(value) {
            throw error(.outOfRange, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
        return value
    }

    /// A plain decimal number (JSON syntax and friends); infinities and NaN are refused,
    /// since no setting means them.
    public func double(range: ClosedRange<Double>? = nil) throws(ConfigDecodeError) -> Double {
        let text = try plainText("a number")
        guard let first = text.unicodeScalars.first, first == "-" || first == "+" || first == "." || (first.value >= 0x30 && first.value <= 0x39),
            let value = Double(text.filter { $0 != "_" }), value.isFinite
        else {
            throw mismatch("a number")
        }
        if let range, !range.contains(value) {
            throw error(.outOfRange, "expected a number in \(range.lowerBound)...\(range.upperBound), found \(text)")
        }
        return value
    }

    /// `true` or `false` (YAML 1.2). YAML 1.1 spellings get a hint instead of a silent string.
    public func bool() throws(ConfigDecodeError) -> Bool {
        let text = try plainText("true or false")
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        case "yes", "Yes", "YES", "y", "Y", "on", "On", "ON":
            throw error(.typeMismatch, "expected true or false, found '\(text)' (YAML 1.2 booleans are only true/false; write true)")
        case "no", "No", "NO", "n", "N", "off", "Off", "OFF":
            throw error(.typeMismatch, "expected true or false, found '\(text)' (YAML 1.2 booleans are only true/false; write false)")
        default:
            throw mismatch("true or false")
        }
    }

    /// "30s", "500ms", "2m", "1h", "1h30m", "1.5s", or a plain number of seconds.
    public func duration(range: ClosedRange<Duration>? = nil) throws(ConfigDecodeError) -> Duration {
        let text = try plainText("a duration such as 30s, 500ms or 2m")
        switch ConfigUnits.durationNanoseconds(text) {
        case .invalid(let reason):
            throw error(.invalidValue, "invalid duration '\(ConfigMessageText.show(text))': \(ConfigMessageText.show(reason))")
        case .value(let ns):
            let d = Duration.nanoseconds(ns)
            if let range, !range.contains(d) {
                throw error(.outOfRange, "duration \(text) is out of range \(range.lowerBound)...\(range.upperBound)")
            }
            return d
        }
    }

    /// "32MiB", "64KB", "1.5GiB", or a plain number of bytes.
    public func byteSize(range: ClosedRange<Int>? = nil) throws(ConfigDecodeError) -> Int {
        let text = try plainText("a size such as 64KiB or 32MiB")
        switch ConfigUnits.byteCount(text) {
        case .invalid(let reason):
            throw error(.invalidValue, "invalid size '\(ConfigMessageText.show(text))': \(ConfigMessageText.show(reason))")
        case .value(let n):
            guard let value = Int(exactly: n) else { throw error(.outOfRange, "size \(text) is too large") }
            if let range, !range.contains(value) {
                throw error(.outOfRange, "size \(text) (\(value) bytes) is out of range \(range.lowerBound)...\(range.upperBound) bytes")
            }
            return value
        }
    }

    /// One of a fixed set of words, with a suggestion for a near miss.
    public func choice(_ options: [String]) throws(ConfigDecodeError) -> String {
        let text = try string()
        guard options.contains(text) else {
            var message = "unknown value '\(ConfigMessageText.show(text))'"
            if let s = EditDistance.suggestion(for: text, in: options) {
                message += " (did you mean '\(s)'?)"
            } else {
                message += "; expected one of: \(options.joined(separator: ", "))"
            }
            throw error(.invalidValue, message)
        }
        return text
    }

    /// A string-backed enum case by raw value, e.g. `try d.choice(PartitionPolicy.self)`.
    public func choice<E: RawRepresentable & CaseIterable>(_ type: E.Type) throws(ConfigDecodeError) -> E
    where E.RawValue == String {
        let text = try choice(E.allCases.map(\.rawValue))
        guard let value = E(rawValue: text) else { throw mismatch("one of the allowed values") }
        return value
    }
}
