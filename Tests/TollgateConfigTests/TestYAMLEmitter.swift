@testable import TollgateConfig
import TollgateTestSupport

/// A generated configuration tree: what the emitter writes and the parser must give back.
indirect enum GenTree: Equatable, CustomStringConvertible {
    case map([GenEntry])
    case seq([GenTree])
    case str(String)
    case null

    /// The parsed node as a `GenTree`: nulls are nulls, every other scalar its text.
    init(_ node: ConfigNode) {
        switch node.value {
        case .mapping(let e): self = .map(e.map { GenEntry(key: $0.key, value: GenTree($0.value)) })
        case .sequence(let i): self = .seq(i.map(GenTree.init))
        case .scalar(let s): self = s.isNull ? .null : .str(s.text)
        }
    }

    var description: String {
        switch self {
        case .map(let e): return "{" + e.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
        case .seq(let i): return "[" + i.map(\.description).joined(separator: ", ") + "]"
        case .str(let s): return s.debugDescription
        case .null: return "null"
        }
    }
}

struct GenEntry: Equatable {
    var key: String
    var value: GenTree
}

/// Random trees and a YAML/JSON emitter that picks randomly among the styles the parser
/// supports (block and flow collections, compact sequences, plain/single/double-quoted and
/// literal block scalars, comments), always choosing a style that can carry the value.
struct TestYAMLEmitter {
    var rng: SplitMix64
    var width: Int
    /// A block scalar was written: the file must then end with a line break, or the last
    /// one's final break is (rightly) not part of its value.
    var wroteBlockScalar = false

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        width = [2, 3, 4][Int(seed % 3)]
    }

    // MARK: Generation

    static let alphabet: [String] = [
        "a", "b", "z", "K", "0", "7", "_", ".", "/", "-", " ", " ", ":", "#", "'", "\"", "\\", "\n", "\t",
        "é", "😀", "{", "[", ",", "}", "]", "&", "*", "!", "|", ">", "%", "@", "?", "~", "$",
    ]

    mutating func string() -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return ["null", "~", "true", "123", "1.5", "yes", "", "-", "- x", "a: b", "x #y", "---"].randomElement(using: &rng)!
        case 1...4: return (0..<Int.random(in: 1...8, using: &rng)).map { _ in ["a", "b", "c", "x", "1", "_", "-"].randomElement(using: &rng)! }.joined()
        default: return (0..<Int.random(in: 0...12, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! }.joined()
        }
    }

    mutating func tree(depth: Int) -> GenTree {
        let r = Int.random(in: 0..<10, using: &rng)
        if depth >= 4 || r < 4 { return r == 0 ? .null : .str(string()) }
        let n = Int.random(in: 0...4, using: &rng)
        if r < 7 {
            var keys: [String] = []
            while keys.count < n {
                let k = string()
                if !keys.contains(k) { keys.append(k) }
            }
            return .map(keys.map { GenEntry(key: $0, value: tree(depth: depth + 1)) })
        }
        return .seq((0..<n).map { _ in tree(depth: depth + 1) })
    }

    // MARK: Scalars

    static func isPlainSafe(_ s: String, flow: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        if ["null", "Null", "NULL", "~"].contains(s) { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if first == " " || last == " " || last == ":" { return false }
        if s.contains("\n") || s.contains("\t") || s.contains(": ") || s.contains(" #") { return false }
        if s.hasPrefix("---") || s.hasPrefix("...") { return false }
        if flow && s.unicodeScalars.contains(where: { ",[]{}:".unicodeScalars.contains($0) }) { return false }
        return true
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += ["\\t", "\t"][Int(c.value) % 2]
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func singleQuoted(_ s: String) -> String? {
        if s.contains("\n") || s.hasSuffix("\t") || s.hasSuffix(" ") { return nil }
        return "'" + s.replacingAll("'", with: "''") + "'"
    }

    /// Lines of a `|-` / `|+` block scalar for `s`, if that style can carry it.
    static func literalLines(_ s: String) -> (header: String, lines: [String])? {
        guard s.contains("\n") else { return nil }
        var body = s
        var header = "|-"
        if body.hasSuffix("\n") {
            header = "|+"
            body.removeLast()
        }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let firstContent = lines.first(where: { !$0.isEmpty }), !firstContent.hasPrefix(" ") else { return nil }
        return (header, lines)
    }

    mutating func inlineScalar(_ s: String, flow: Bool) -> String {
        var options = [Self.doubleQuoted(s)]
        if Self.isPlainSafe(s, flow: flow) { options += [s, s] }
        if let q = Self.singleQuoted(s) { options.append(q) }
        return options.randomElement(using: &rng)!
    }

    mutating func comment() -> String {
        Int.random(in: 0..<4, using: &rng) == 0 ? " # note: x" : ""
    }

    // MARK: Flow

    mutating func flow(_ t: GenTree) -> String {
        switch t {
        case .null: return ["null", "~"].randomElement(using: &rng)!
        case .str(let s): return inlineScalar(s, flow: true)
        case .seq(let items): return "[" + items.map { flow($0) }.joined(separator: [", ", ",", " , "].randomElement(using: &rng)!) + "]"
        case .map(let entries):
            return "{" + entries.map { "\(inlineScalar($0.key, flow: true)): \(flow($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    // MARK: Block

    mutating func document(_ t: GenTree) -> String {
        var lines: [String] = []
        if Bool.random(using: &rng) { lines.append("# generated") }
        if Bool.random(using: &rng) { lines.append("---") }
        switch t {
        case .map(let e) where !e.isEmpty: lines += block(t, indent: 0)
        case .seq(let i) where !i.isEmpty: lines += block(t, indent: 0)
        case .null: break
        case .str(let s):
            if let lit = Self.literalLines(s) {
                wroteBlockScalar = true
                lines.append(lit.header)
                lines += lit.lines.map { $0.isEmpty ? "" : String(repeating: " ", count: width) + $0 }
            } else {
                lines.append(inlineScalar(s, flow: false))
            }
        default: lines.append(flow(t))
        }
        return lines.joined(separator: "\n") + (wroteBlockScalar || Bool.random(using: &rng) ? "\n" : "")
    }

    /// The text after `key:` or `-` on the same line, plus the lines that follow it.
    mutating func value(_ t: GenTree, indent: Int, inSequence: Bool) -> (String, [String]) {
        let pad = String(repeating: " ", count: indent + width)
        switch t {
        case .null: return (["", " null", " ~"].randomElement(using: &rng)! + comment(), [])
        case .str(let s):
            if let lit = Self.literalLines(s), Bool.random(using: &rng) {
                wroteBlockScalar = true
                return (" " + lit.header + comment(), lit.lines.map { $0.isEmpty ? "" : pad + $0 })
            }
            return (" " + inlineScalar(s, flow: false) + comment(), [])
        case .map(let e) where e.isEmpty: return (" {}", [])
        case .seq(let i) where i.isEmpty: return (" []", [])
        default:
            if Int.random(in: 0..<4, using: &rng) == 0 { return (" " + flow(t) + comment(), []) }
            if case .seq = t, !inSequence, Bool.random(using: &rng) {
                return (comment(), block(t, indent: indent))  // compact: `key:\n- a`
            }
            return (comment(), block(t, indent: indent + width))
        }
    }

    mutating func block(_ t: GenTree, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var out: [String] = []
        switch t {
        case .map(let entries):
            for e in entries {
                if !out.isEmpty, Int.random(in: 0..<6, using: &rng) == 0 { out.append("# between entries") }
                let (rest, lines) = value(e.value, indent: indent, inSequence: false)
                out.append(pad + inlineScalar(e.key, flow: false) + ":" + rest)
                out += lines
            }
        case .seq(let items):
            for item in items {
                switch item {
                case .map(let e) where !e.isEmpty:
                    var lines = block(item, indent: indent + 2)
                    lines[0] = pad + "- " + lines[0].dropFirst(indent + 2)
                    out += lines
                case .seq(let i) where !i.isEmpty && Bool.random(using: &rng):
                    var lines = block(item, indent: indent + 2)
                    lines[0] = pad + "- " + lines[0].dropFirst(indent + 2)
                    out += lines
                default:
                    let (rest, lines) = value(item, indent: indent + 2 - width, inSequence: true)
                    out.append(pad + "-" + rest)
                    out += lines
                }
            }
        default:
            out.append(pad + flow(t))
        }
        return out
    }

    // MARK: JSON

    mutating func json(_ t: GenTree) -> String {
        let ws = ["", " ", "\n  ", "\n\t"]
        switch t {
        case .null: return "null"
        case .str(let s): return Self.doubleQuoted(s).replacingAll("\t", with: "\\t")
        case .seq(let items): return "[" + items.map { ws.randomElement(using: &rng)! + json($0) }.joined(separator: ",") + "]"
        case .map(let entries):
            return "{" + entries.map { ws.randomElement(using: &rng)! + json(.str($0.key)) + ":" + json($0.value) }.joined(separator: ",") + "\n}"
        }
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
