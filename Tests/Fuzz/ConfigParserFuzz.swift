// libFuzzer target for the TollgateConfig parser and decoder; build and run with
// scripts/fuzz-config.
//
// Input: the bytes of a configuration file. Nothing may trap. On success every location
// must be a real position, the tree re-emitted as JSON must parse back to the same tree
// (an independent check of escapes, nulls and structure), and every scalar goes through
// each typed decoder and the secret resolver. On failure the error must name a position.

/// The tree as JSON text: strings escaped so that any scalar (control characters from
/// escapes included) survives, empty/null scalars as null.
func fuzzJSON(_ node: ConfigNode, into out: inout String) {
    switch node.value {
    case .mapping(let entries):
        out += "{"
        for (i, e) in entries.enumerated() {
            if i > 0 { out += ",\n" }
            fuzzJSONString(e.key, into: &out)
            out += ": "
            fuzzJSON(e.value, into: &out)
        }
        out += "}"
    case .sequence(let items):
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += ", " }
            fuzzJSON(item, into: &out)
        }
        out += "]"
    case .scalar(let s):
        if s.isNull { out += "null" } else { fuzzJSONString(s.text, into: &out) }
    }
}

func fuzzJSONString(_ s: String, into out: inout String) {
    out += "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            let v = c.value
            if v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF {
                let hex = String(v, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    out += "\""
}

func fuzzSame(_ a: ConfigNode, _ b: ConfigNode) -> Bool {
    switch (a.value, b.value) {
    case (.mapping(let x), .mapping(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && fuzzSame($0.value, $1.value) }
    case (.sequence(let x), .sequence(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { fuzzSame($0, $1) }
    case (.scalar(let x), .scalar(let y)):
        return x.isNull == y.isNull && (x.isNull || x.text == y.text)
    default:
        return false
    }
}

func fuzzCheckLocation(_ l: SourceLocation) {
    precondition(l.line >= 1 && l.column >= 1, "bad location \(l)")
}

/// Every node and key of the tree has a real position.
func fuzzCheckTree(_ node: ConfigNode) {
    fuzzCheckLocation(node.location)
    for e in node.entries ?? [] {
        fuzzCheckLocation(e.keyLocation)
        fuzzCheckTree(e.value)
    }
    for item in node.items ?? [] { fuzzCheckTree(item) }
}

/// Runs one decoder call; a failure must be a one-line message at a real position.
func fuzzTry<T>(_ body: () throws(ConfigDecodeError) -> T) {
    do {
        _ = try body()
    } catch {
        fuzzCheckLocation(error.location)
        precondition(!error.description.contains("\n"), "multi-line error: \(error)")
        precondition(!error.description.contains("s3cret"), "secret in error: \(error)")
    }
}

/// Walks the tree: checks locations, runs every decoder on the first `budget` nodes (a failed
/// decode costs microseconds for its message; thousands per input would starve the fuzzer).
func fuzzWalk(_ d: ConfigDecoder, depth: Int, budget: inout Int) {
    precondition(depth <= ConfigParser.defaultMaxDepth + 1, "tree deeper than the limit")
    fuzzCheckLocation(d.location)
    budget -= 1
    if budget < 0 { return }
    fuzzTry { () throws(ConfigDecodeError) in try d.string() }
    fuzzTry { () throws(ConfigDecodeError) in try d.int() }
    fuzzTry { () throws(ConfigDecodeError) in try d.int(range: 0...100) }
    fuzzTry { () throws(ConfigDecodeError) in try d.double() }
    fuzzTry { () throws(ConfigDecodeError) in try d.bool() }
    fuzzTry { () throws(ConfigDecodeError) in try d.duration() }
    fuzzTry { () throws(ConfigDecodeError) in try d.byteSize() }
    fuzzTry { () throws(ConfigDecodeError) in try d.interpolatedString() }
    fuzzTry { () throws(ConfigDecodeError) in try d.secret() }
    fuzzTry { () throws(ConfigDecodeError) in try d.choice(["alpha", "beta", "gamma"]) }
    fuzzTry { () throws(ConfigDecodeError) in
        try d.mapping(allowedKeys: ["listen", "upstream", "timeout"]).required("upstream")
    }
    if let m = try? d.mapping() {
        for (_, keyLocation, value) in m.entries where budget >= 0 {
            fuzzCheckLocation(keyLocation)
            fuzzWalk(value, depth: depth + 1, budget: &budget)
        }
    }
    let items = (try? d.list { (x: ConfigDecoder) throws(ConfigDecodeError) -> ConfigDecoder in x }) ?? []
    for item in items where budget >= 0 {
        fuzzWalk(item, depth: depth + 1, budget: &budget)
    }
}

let fuzzResolver = SecretResolver(environment: ["A": "s3cret", "EMPTY": ""]) { (path: String) throws(SecretFileError) -> [UInt8] in
    if path == "/s" { return Array("s3cret\n".utf8) }
    throw SecretFileError(reason: "no such file")
}

/// The same file with CRLF line endings must give the same tree, or the same error at the
/// same place (inputs that already hold a CR are skipped: CR alone is a line break too).
func fuzzCRLF(_ bytes: [UInt8], _ first: Result<ConfigNode, ConfigParseError>) {
    guard !bytes.contains(0x0D) else { return }
    var crlf: [UInt8] = []
    for b in bytes {
        if b == 0x0A { crlf.append(0x0D) }
        crlf.append(b)
    }
    let second = Result { () throws(ConfigParseError) -> ConfigNode in try ConfigSource.parse(bytes: crlf, file: "f.yaml").root }
    switch (first, second) {
    case (.success(let a), .success(let b)):
        precondition(fuzzSame(a, b), "CRLF changes the tree")
    case (.failure(let a), .failure(let b)):
        precondition(a == b, "CRLF changes the error: \(a) vs \(b)")
    default:
        preconditionFailure("CRLF changes success")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzCRLF(bytes, Result { () throws(ConfigParseError) -> ConfigNode in try ConfigSource.parse(bytes: bytes, file: "f.yaml").root })
    do {
        let (root, hash) = try ConfigSource.parse(bytes: bytes, file: "f.yaml")
        precondition(hash.count == 64)
        fuzzCheckTree(root)
        var budget = 64
        fuzzWalk(ConfigDecoder(root, secrets: fuzzResolver), depth: 0, budget: &budget)
        var json = ""
        fuzzJSON(root, into: &json)
        do {
            let again = try ConfigParser.parse(text: json, file: "f.json")
            precondition(fuzzSame(root, again), "JSON re-emit differs:\n\(json)")
        } catch {
            preconditionFailure("JSON re-emit does not parse: \(error)\n\(json)")
        }
    } catch {
        precondition(!error.message.isEmpty)
        precondition(!error.description.contains("\n"), "multi-line error: \(error)")
        precondition(error.location.file == "f.yaml")
        fuzzCheckLocation(error.location)
        _ = error.description
    }
    return 0
}
