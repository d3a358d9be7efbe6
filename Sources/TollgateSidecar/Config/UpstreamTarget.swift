/// Where requests go: scheme, host, port and an optional base path, parsed from a URL such as
/// `http://127.0.0.1:18000` or `https://api.openai.com/v1`.
public struct UpstreamTarget: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: UInt16
    /// Prefix joined to every request path ("" or "/base", never ending in "/").
    public var basePath: String

    public var isTLS: Bool { scheme == "https" }
    /// Speak HTTP/2 with prior knowledge (http:// only; https:// negotiates through ALPN).
    public var priorKnowledgeH2 = false
    /// An extra CA bundle for verifying this https:// upstream.
    public var caFile: String? = nil

    /// The Host header value: the port is omitted when it is the scheme's default.
    /// Stored, not computed: it is read on every request.
    public private(set) var authority: String = ""

    /// A key for connection pooling.
    public private(set) var poolKey: String = ""

    private mutating func deriveKeys() {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort: UInt16 = isTLS ? 443 : 80
        authority = port == defaultPort ? h : "\(h):\(port)"
        poolKey = "\(scheme)://\(host):\(port)"
    }

    public var description: String { "\(scheme)://\(authority)\(basePath)" }

    public init(scheme: String, host: String, port: UInt16, basePath: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
        deriveKeys()
    }

    public init(parsing text: String) throws(ConfigError) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            scheme = "http"
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            scheme = "https"
            rest = text.dropFirst(8)
        } else {
            throw ConfigError("upstream URL '\(text)' must start with http:// or https://")
        }
        let authorityPart: Substring
        if let slash = rest.firstIndex(of: "/") {
            authorityPart = rest[..<slash]
            var path = String(rest[slash...])
            if path.contains("?") || path.contains("#") { throw ConfigError("upstream URL '\(text)' must not have a query or fragment") }
            while path.hasSuffix("/") { path.removeLast() }
            basePath = path
        } else {
            authorityPart = rest
            basePath = ""
        }
        if authorityPart.contains("@") { throw ConfigError("upstream URL '\(text)' must not contain credentials; use the key vault") }
        var hostPart: Substring
        var portPart: Substring? = nil
        if authorityPart.hasPrefix("[") {
            guard let close = authorityPart.firstIndex(of: "]") else { throw ConfigError("upstream URL '\(text)': missing ']'") }
            hostPart = authorityPart[authorityPart.index(after: authorityPart.startIndex)..<close]
            let after = authorityPart[authorityPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw ConfigError("upstream URL '\(text)': junk after ']'") }
        } else if let colon = authorityPart.lastIndex(of: ":") {
            hostPart = authorityPart[..<colon]
            portPart = authorityPart[authorityPart.index(after: colon)...]
        } else {
            hostPart = authorityPart
        }
        guard !hostPart.isEmpty else { throw ConfigError("upstream URL '\(text)' has no host") }
        host = String(hostPart)
        if let p = portPart {
            guard let n = UInt16(p), n > 0 else { throw ConfigError("upstream URL '\(text)': port must be 1-65535") }
            port = n
        } else {
            port = scheme == "https" ? 443 : 80
        }
        deriveKeys()
    }
}

/// A configuration value that does not parse or does not make sense.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
