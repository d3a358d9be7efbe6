// libFuzzer target for the TollgateJSON parser; build and run with scripts/fuzz-json.
// (Named *Fuzzer so scripts/fuzz, which compiles *Fuzz.swift against TollgateHTTP, skips it.)
//
// Input: byte 0 picks the depth limit, the rest is the document. Nothing may trap; the
// scanner must accept exactly what the parser accepts; an accepted document must survive
// serialize -> parse unchanged, and serializing is idempotent; errors point inside the input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let depth = Int(data[0] % 40) + 1
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let parsed: JSONValue?
    do throws(JSONParseError) {
        parsed = try JSONValue(parsing: input, maxDepth: depth)
    } catch {
        precondition(error.offset >= 0 && error.offset <= input.count, "error offset outside the input")
        precondition(error.line >= 1 && error.column >= 1, "bad line/column")
        parsed = nil
    }
    let scanned = (try? JSONScanner(maxDepth: depth).root(of: input)) != nil
    precondition(scanned == (parsed != nil), "scanner and parser disagree on validity")
    guard let value = parsed else { return 0 }
    let once = value.serialized()
    let again: JSONValue
    do throws(JSONParseError) {
        again = try JSONValue(parsing: once, maxDepth: depth)
    } catch {
        preconditionFailure("serialized output does not parse: \(error)")
    }
    precondition(again == value, "serialize -> parse changed the value")
    precondition(again.serialized() == once, "serialization is not idempotent")
    return 0
}
