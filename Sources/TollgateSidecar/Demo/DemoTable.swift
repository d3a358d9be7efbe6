/// The demo's live table and closing lines as pure text, from one snapshot of the cluster.
struct DemoTable {
    struct Row: Equatable {
        var name: String
        var served: Int
        var refused: Int
        var spent: Int64
        var leaseHeld: Int64
    }

    var rows: [Row]
    var used: Int64
    var outstanding: Int64
    var limit: Int64
    var learning: Bool
    var color: Bool

    static func grouped(_ n: Int64) -> String {
        let s = String(n < 0 ? -n : n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func pad(_ s: String, _ w: Int, right: Bool = true) -> String {
        let fill = String(repeating: " ", count: max(0, w - s.count))
        return right ? fill + s : s + fill
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// A progress bar of `used` (and escrowed `outstanding`) against `limit`.
    func bar(width: Int = 30) -> String {
        guard limit > 0 else { return "" }
        let u = Int(min(Int64(width), used * Int64(width) / limit))
        let o = Int(min(Int64(width - u), outstanding * Int64(width) / limit))
        return "[" + paint(String(repeating: "#", count: u), "32") + paint(String(repeating: "=", count: o), "33")
            + String(repeating: ".", count: width - u - o) + "]"
    }

    var lines: [String] {
        var out = [paint("  sidecar     served   refused   spent (tokens)   lease held", "1")]
        for r in rows {
            out.append("  " + Self.pad(r.name, 8, right: false) + Self.pad(String(r.served), 9) + Self.pad(String(r.refused), 10)
                       + Self.pad(Self.grouped(r.spent), 17) + Self.pad(Self.grouped(r.leaseHeld), 13))
        }
        let pct = limit > 0 ? Double(used) * 100 / Double(limit) : 0
        let state = learning ? "  (coordinator learning)" : ""
        out.append("  cluster total " + Self.grouped(used) + " / " + Self.grouped(limit) + " " + bar()
                   + " " + String(Int(pct)) + "%  escrowed " + Self.grouped(outstanding) + state)
        return out
    }

    var totalServed: Int { rows.reduce(0) { $0 + $1.served } }
    var totalRefused: Int { rows.reduce(0) { $0 + $1.refused } }
}
