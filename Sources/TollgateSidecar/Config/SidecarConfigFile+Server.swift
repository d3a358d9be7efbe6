import TollgateConfig
import TollgateTransport

extension SidecarConfigFile {
    mutating func decodeServer(_ d: ConfigDecoder) throws(ConfigDecodeError) {
        let m = try d.mapping(allowedKeys: [
            "listen", "admin", "admin_token", "threads", "tls", "data_dir", "wal_sync_interval", "log_level",
            "usage_log", "usage_log_max_bytes",
        ])
        if let v = m.optional("listen") { options.listen = try Self.address(v) }
        if let v = m.optional("admin") {
            let text = try v.string()
            options.admin = (text == "off" || text == "none") ? nil : try Self.address(v)
        }
        if let v = m.optional("admin_token") { options.adminToken = try v.secret().reveal() }
        if let v = m.optional("threads") { options.threads = try v.int(range: 1...256) }
        if let v = m.optional("tls") {
            let t = try v.mapping(allowedKeys: ["cert", "key"])
            options.tlsCertFile = try t.required("cert").interpolatedString()
            options.tlsKeyFile = try t.required("key").interpolatedString()
        }
        if let v = m.optional("data_dir") { options.dataDir = try v.interpolatedString() }
        if let v = m.optional("wal_sync_interval") { options.walSyncInterval = Self.seconds(try v.duration(range: .zero ... .seconds(1))) }
        if let v = m.optional("log_level") {
            let name = try v.choice(["debug", "info", "warn", "error"])
            options.logLevel = LogLevel(name: name) ?? .info
        }
        if let v = m.optional("usage_log") { options.usageLogPath = try v.interpolatedString() }
        if let v = m.optional("usage_log_max_bytes") { options.usageLogMaxBytes = try v.byteSize(range: 4096...(1 << 40)) }
    }

    mutating func decodeLimits(_ d: ConfigDecoder) throws(ConfigDecodeError) {
        let m = try d.mapping(allowedKeys: ["max_header_bytes", "max_header_count", "max_request_line", "max_body_bytes"])
        if let v = m.optional("max_header_bytes") { options.maxHeaderBytes = try v.byteSize(range: 1024...(1 << 24)) }
        if let v = m.optional("max_header_count") { options.maxHeaderCount = try v.int(range: 1...10_000) }
        if let v = m.optional("max_request_line") { options.maxRequestLineBytes = try v.byteSize(range: 256...(1 << 20)) }
        if let v = m.optional("max_body_bytes") { options.maxBodyBytes = Int64(try v.byteSize(range: 0...(1 << 40))) }
    }

    mutating func decodeTimeouts(_ d: ConfigDecoder) throws(ConfigDecodeError) {
        let m = try d.mapping(allowedKeys: ["idle", "header", "body", "connect", "upstream", "upstream_idle", "drain"])
        let day = Duration.seconds(86_400)
        if let v = m.optional("idle") { options.idleTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("header") { options.headerTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("body") { options.bodyTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("connect") { options.connectTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("upstream") { options.upstreamTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("upstream_idle") { options.upstreamIdleTimeout = Self.seconds(try v.duration(range: .milliseconds(1)...day)) }
        if let v = m.optional("drain") { options.drainTimeout = Self.seconds(try v.duration(range: .zero...day)) }
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    static func address(_ d: ConfigDecoder) throws(ConfigDecodeError) -> SocketAddress {
        let text = try d.interpolatedString()
        do {
            return try SocketAddress(parsing: text)
        } catch {
            throw d.error(.invalidValue, "invalid address '\(text)': \(error); expected HOST:PORT such as 127.0.0.1:8787")
        }
    }
}
