/// Resolves secret references in configuration values: `${NAME}` / `${NAME:-default}`
/// anywhere in a string (from the environment), and a whole value `file:/path` (a mounted
/// Kubernetes Secret, a systemd credential). The environment and the file reader are
/// injectable so tests need neither.
///
/// Errors name the location and the variable or file, never a value: a message about a
/// secret must be safe to log.
public struct SecretResolver: Sendable {
    public typealias FileReader = @Sendable (String) throws(SecretFileError) -> [UInt8]

    public var environment: [String: String]
    public var readFile: FileReader

    /// Largest secret file read; secrets are small, and this stops `file:/dev/zero`.
    public static let maxSecretFileSize = 1 << 20

    public init(environment: [String: String], readFile: @escaping FileReader = SecretResolver.readFromDisk) {
        self.environment = environment
        self.readFile = readFile
    }

    /// The process's environment and the real file system.
    public static func system() -> SecretResolver {
        SecretResolver(environment: ConfigFileReader.processEnvironment())
    }

    public static let readFromDisk: FileReader = { (path: String) throws(SecretFileError) -> [UInt8] in
        switch ConfigFileReader.contents(ofFile: path, limit: maxSecretFileSize) {
        case .contents(let bytes): return bytes
        case .failure(let reason): throw SecretFileError(reason: reason)
        }
    }

    /// Expands `${NAME}` and `${NAME:-default}` (default used when NAME is unset or empty);
    /// `$$` is a literal `$`; any other `$` is kept as is.
    public func interpolate(_ text: String, at location: SourceLocation, path: String = "") throws(ConfigDecodeError) -> String {
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let c = s[i]
            guard c == "$", i + 1 < s.count else {
                out.append(c)
                i += 1
                continue
            }
            if s[i + 1] == "$" {
                out.append("$")
                i += 2
                continue
            }
            guard s[i + 1] == "{" else {
                out.append(c)
                i += 1
                continue
            }
            guard let close = s[(i + 2)...].firstIndex(of: "}") else {
                throw ConfigDecodeError(
                    .unresolvedVariable, at: location, path: path, "unterminated '${' reference; expected '}'")
            }
            let inner = Array(s[(i + 2)..<close])
            var name = inner
            var fallback: [Unicode.Scalar]?
            if let sep = firstIndex(of: [":", "-"], in: inner) {
                name = Array(inner[..<sep])
                fallback = Array(inner[(sep + 2)...])
            }
            let nameText = String(String.UnicodeScalarView(name))
            guard SecretResolver.isValidName(name) else {
                throw ConfigDecodeError(
                    .unresolvedVariable, at: location, path: path,
                    "invalid environment variable name '\(ConfigMessageText.show(nameText))' in '${...}'")
            }
            if let value = environment[nameText], !(fallback != nil && value.isEmpty) {
                out.append(contentsOf: value.unicodeScalars)
            } else if let fallback {
                out.append(contentsOf: fallback)
            } else {
                throw ConfigDecodeError(
                    .unresolvedVariable, at: location, path: path,
                    "environment variable '\(ConfigMessageText.show(nameText))' is not set (write '${\(ConfigMessageText.show(nameText)):-default}' for a default)")
            }
            i = close + 1
        }
        return String(out)
    }

    /// A secret value: `file:/absolute/path` reads the file (the path may itself use
    /// `${...}`, as in `file:${CREDENTIALS_DIRECTORY}/openai`) and drops one trailing
    /// newline; anything else is interpolated. An empty result is an error, since an empty
    /// API key only fails later and further from the cause.
    public func resolve(_ text: String, at location: SourceLocation, path: String = "") throws(ConfigDecodeError) -> Secret {
        let value: String
        if text.hasPrefix("file:") {
            let filePath = try interpolate(String(text.dropFirst(5)), at: location, path: path)
            guard filePath.hasPrefix("/") else {
                throw ConfigDecodeError(
                    .secretFile, at: location, path: path, "secret file path '\(ConfigMessageText.show(filePath))' must be absolute")
            }
            let bytes: [UInt8]
            do {
                bytes = try readFile(filePath)
            } catch {
                throw ConfigDecodeError(
                    .secretFile, at: location, path: path, "cannot read secret file '\(ConfigMessageText.show(filePath))': \(error.reason)")
            }
            var trimmed = bytes[...]
            if trimmed.last == 0x0A {
                trimmed = trimmed.dropLast()
                if trimmed.last == 0x0D { trimmed = trimmed.dropLast() }
            }
            guard let decoded = String(validating: trimmed, as: UTF8.self) else {
                throw ConfigDecodeError(
                    .secretFile, at: location, path: path, "secret file '\(ConfigMessageText.show(filePath))' is not valid UTF-8 text")
            }
            guard !decoded.isEmpty else {
                throw ConfigDecodeError(.secretFile, at: location, path: path, "secret file '\(ConfigMessageText.show(filePath))' is empty")
            }
            value = decoded
        } else {
            value = try interpolate(text, at: location, path: path)
            guard !value.isEmpty else {
                throw ConfigDecodeError(.invalidValue, at: location, path: path, "secret value is empty")
            }
        }
        return Secret(value)
    }

    private func firstIndex(of pair: [Unicode.Scalar], in s: [Unicode.Scalar]) -> Int? {
        guard s.count >= 2 else { return nil }
        for i in 0..<(s.count - 1) where s[i] == pair[0] && s[i + 1] == pair[1] { return i }
        return nil
    }

    /// POSIX-ish environment names: a letter or '_', then letters, digits, '_'.
    static func isValidName(_ s: [Unicode.Scalar]) -> Bool {
        guard let first = s.first else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool {
            (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A) || c == "_"
        }
        return letter(first) && s.dropFirst().allSatisfy { letter($0) || ($0.value >= 0x30 && $0.value <= 0x39) }
    }
}
