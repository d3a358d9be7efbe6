import Glibc
import TollgateTransport

public enum LogLevel: Int, Sendable, Comparable {
    case debug = 0, info, warning, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warn"
        case .error: return "error"
        }
    }
}

/// Line-oriented logging to stderr: one `write` per line, so lines from several loops never
/// interleave. Callers must never pass secrets (provider keys): log key ids, not keys.
public enum Log {
    nonisolated(unsafe) public static var level: LogLevel = .info

    public static func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }
    public static func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    public static func warning(_ message: @autoclosure () -> String) { emit(.warning, message) }
    public static func error(_ message: @autoclosure () -> String) { emit(.error, message) }

    private static func emit(_ l: LogLevel, _ message: () -> String) {
        guard l >= level else { return }
        let ns = MonotonicClock.wallNanos()
        var line = "\(timestamp(ns)) \(l.label) \(message())\n"
        line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }

    /// RFC 3339 UTC with milliseconds.
    public static func timestamp(_ wallNanos: Int64) -> String {
        var t = time_t(wallNanos / 1_000_000_000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let ms = Int((wallNanos / 1_000_000) % 1000)
        func p2(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let msText = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        return "\(tmv.tm_year + 1900)-\(p2(tmv.tm_mon + 1))-\(p2(tmv.tm_mday))T\(p2(tmv.tm_hour)):\(p2(tmv.tm_min)):\(p2(tmv.tm_sec)).\(msText)Z"
    }
}
