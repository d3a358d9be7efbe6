// libFuzzer target for JSONScanner and JSONSplice; build and run with scripts/fuzz-json.
//
// Input: a JSON document. For a set of keys: topLevelFields must agree with the parsed tree
// (each slice in bounds, parsing to the member's value; duplicates refused), number reads
// must agree with the tree's int64Value, removing a member must leave valid JSON equal to the
// tree without it, and setting a member must leave valid JSON holding the new value with
// every other member unchanged; rootMember must agree with the tape. Nothing may trap on any
// input.

let fuzzKeys = ["model", "stream", "max_tokens", "usage", "a", "", "b\u{E9}"]
let fuzzPreparedKeys = JSONKeys(fuzzKeys)

func members(_ v: JSONValue) -> [(key: String, value: JSONValue)]? { v.objectMembers }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let tree = try? JSONValue(parsing: input)
    // The tape-free root-member lookup must give the tape's answer and errors.
    let viaTape = Result { () throws(JSONParseError) -> JSONSlice? in try JSONTape(input).value(forKey: "usage", of: 0, in: input) }
    let direct = Result { () throws(JSONParseError) in try JSONScanner().rootMember("usage", in: input) }
    switch (viaTape, direct) {
    case (.success(let a), .success(let b)): precondition(a == b, "rootMember disagrees with the tape")
    case (.failure(let a), .failure(let b)): precondition(a == b, "rootMember error disagrees with the tape: \(a) vs \(b)")
    default: preconditionFailure("rootMember and the tape disagree on validity")
    }
    let fields: [String: JSONSlice]
    do throws(JSONParseError) {
        fields = try JSONScanner.topLevelFields(in: input, keys: fuzzKeys)
    } catch {
        precondition(error.offset <= input.count, "error offset outside the input")
        if error.code == .duplicateKey || error.code == .typeMismatch {
            precondition(tree != nil, "semantic error on a document the parser rejects")
        } else {
            precondition(tree == nil, "scanner rejected a document the parser accepts: \(error)")
        }
        return 0
    }
    guard let tree, let ms = members(tree) else { preconditionFailure("scanner accepted what the parser did not") }
    // The prepared-key path must agree with the dictionary path.
    let scanner = JSONScanner()
    guard let root = try? scanner.root(of: input), let prepared = try? scanner.fields(of: root, keys: fuzzPreparedKeys, in: input) else {
        preconditionFailure("fields(of:keys:) failed where topLevelFields succeeded")
    }
    for key in fuzzKeys { precondition(prepared.value(for: key) == fields[key], "JSONKeys lookup disagrees") }
    precondition(prepared["model"] == fields["model"] && prepared["usage"] == fields["usage"], "StaticString lookup disagrees")
    let bytes = Array(input)
    for key in fuzzKeys {
        let matches = ms.filter { $0.key == key }
        precondition(matches.count <= 1, "duplicate key not refused")
        guard let slice = fields[key] else {
            precondition(matches.isEmpty, "scanner missed a key")
            continue
        }
        precondition(slice.range.lowerBound >= 0 && slice.range.upperBound <= input.count, "slice out of bounds")
        let expected = matches[0].value
        let sub = try? JSONValue(parsing: slice.bytes(in: input))
        precondition(sub == expected, "slice does not parse to the member's value")
        precondition(slice.int64(in: input) == expected.int64Value, "integer read disagrees")
        if case .string(let s) = expected { precondition(slice.string(in: input) == s, "string read disagrees") }

        // Remove: valid JSON equal to the tree without the member.
        guard let removed = try? JSONSplice.removing([key], in: bytes) else { preconditionFailure("removal failed") }
        guard let afterRemove = try? JSONValue(parsing: removed) else { preconditionFailure("removal broke the document") }
        precondition(afterRemove == tree.removingMember(key), "removal changed other members")

        // Set: valid JSON with the new value in place.
        guard let set = try? JSONSplice.setting([key], to: Array("[7]".utf8), in: bytes) else { preconditionFailure("setting failed") }
        guard let afterSet = try? JSONValue(parsing: set) else { preconditionFailure("setting broke the document") }
        precondition(afterSet == tree.settingMember(key, .array([.number("7")])), "setting changed other members")
    }
    // A nested path: inserted when absent, merged into an existing "zz" object, replacing
    // anything else.
    if let set = try? JSONSplice.setting(["zz", "y"], to: Array("1".utf8), in: bytes) {
        guard let after = try? JSONValue(parsing: set) else { preconditionFailure("nested setting broke the document") }
        let y = JSONValue.number("1")
        let expected: JSONValue
        if let zz = tree["zz"], case .object = zz {
            expected = tree.settingMember("zz", zz.settingMember("y", y))
        } else {
            expected = tree.settingMember("zz", .object([(key: "y", value: y)]))
        }
        precondition(after == expected, "nested setting changed other members")
    }
    return 0
}
