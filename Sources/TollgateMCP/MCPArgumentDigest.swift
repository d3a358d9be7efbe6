import TollgateCrypto
import TollgateJSON

/// A digest of a call's arguments that does not depend on member order or whitespace, so the
/// loop guard sees `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }` as the same call, and the audit log
/// can show that two calls had equal arguments without showing them.
public enum MCPArgumentDigest {
    /// "sha256:<hex>" of the canonical form (absent arguments count as `{}`).
    public static func digest(_ arguments: JSONValue?) -> String {
        var out: [UInt8] = []
        canonical(arguments ?? .object([]), into: &out)
        return "sha256:" + Digest.hex(Digest.sha256(out))
    }

    /// Objects with members sorted by key bytes, no whitespace; numbers as written.
    public static func canonical(_ v: JSONValue, into out: inout [UInt8]) {
        switch v {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            for (i, m) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                canonical(m.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                canonical(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            v.write(to: &out)
        }
    }
}
