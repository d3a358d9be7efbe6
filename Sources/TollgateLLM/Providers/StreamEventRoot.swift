import TollgateJSON

/// The root of a typed stream event (`{"type": ..., "delta": ..., ...}`: Anthropic and
/// Responses events) read in one validating pass: the type's slice and the string bytes of
/// the delta. nil when the tape path must answer: invalid JSON, a root that is not an object,
/// an escaped key, or a repeated key among type, delta and the other members the provider's
/// tape path reads (`others`; repeats of any other key do not matter to it).
struct StreamEventRoot {
    var type: JSONSlice?
    var delta = JSONTally()

    static func read(_ data: UnsafeRawBufferPointer, others: (StaticString, StaticString, StaticString)) -> StreamEventRoot? {
        var root = StreamEventRoot()
        var sawDelta = false
        var seen = (false, false, false)
        do throws(JSONParseError) {
            var cursor = JSONCursor(data)
            guard var object = try cursor.enterRootObject() else { return nil }
            while let k = try cursor.nextKey(&object) {
                if k.escaped { return nil }
                let key = k.start..<k.end
                func repeated(_ name: StaticString, _ flag: inout Bool) -> Bool? {
                    guard JSONScanner.keyLiteral(key, escaped: false, equals: name, in: data) else { return nil }
                    defer { flag = true }
                    return flag
                }
                if JSONScanner.keyLiteral(key, escaped: false, equals: "type", in: data) {
                    if root.type != nil { return nil }
                    root.type = try cursor.skipValue(in: object)
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "delta", in: data) {
                    if sawDelta { return nil }
                    sawDelta = true
                    _ = try cursor.tallyValue(in: object, &root.delta) { _ in false }
                } else {
                    if let r = repeated(others.0, &seen.0) ?? repeated(others.1, &seen.1) ?? repeated(others.2, &seen.2), r {
                        return nil
                    }
                    _ = try cursor.skipValue(in: object)
                }
            }
            try cursor.finishDocument()
        } catch {
            return nil
        }
        return root
    }

    /// The type is the plain string `name` (no escapes).
    func typeIs(_ name: StaticString, in data: UnsafeRawBufferPointer) -> Bool {
        guard let type, type.kind == .string else { return false }
        return JSONScanner.keyLiteral(type.range, escaped: false, equals: name, in: data)
    }
}
