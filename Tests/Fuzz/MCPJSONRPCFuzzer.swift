// libFuzzer target for TollgateMCP's JSON-RPC reader and MCP header codec; build and run with
// scripts/fuzz-mcp. (Named *Fuzzer so scripts/fuzz, which compiles *Fuzz.swift against
// TollgateHTTP, skips it.)
//
// Input: the body bytes. Nothing may trap; a parse error (-32700) happens exactly when the JSON
// parser refuses the bytes; otherwise only -32600 may be thrown; every message read has the
// shape its kind promises and reads back identically from its own value; the header codec
// round-trips any string made from the input; base64url (the aggregate cursor's outer layer)
// round-trips and reads only its canonical spelling.
import TollgateJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let reader = JSONRPCReader(maxBatch: 8, maxDepth: 32)
    let isJSON = (try? JSONValue(parsing: bytes, maxDepth: 32)) != nil
    do throws(JSONRPCReadError) {
        let body = try reader.read(bytes)
        precondition(isJSON, "reader accepted what the JSON parser refuses")
        for m in body.messages {
            switch m.kind {
            case .request: precondition(m.id != nil && m.method != nil)
            case .notification: precondition(m.id == nil && m.method != nil)
            case .response, .error: precondition(m.id != nil && m.method == nil)
            }
            let again: JSONRPCMessage
            do throws(JSONRPCReadError) {
                again = try reader.message(m.value)
            } catch {
                preconditionFailure("a message does not read back from its own value: \(error)")
            }
            precondition(again == m, "reading back changed the message")
            _ = m.nameParameter
        }
    } catch {
        precondition(error.code == (isJSON ? -32600 : -32700), "unexpected code \(error.code)")
    }
    let text = String(decoding: bytes.prefix(256), as: UTF8.self)
    precondition(MCPHeaders.decode(MCPHeaders.encode(text)) == text, "header codec does not round-trip")
    // The aggregate cursor's base64url layer: any text decodes or not without trapping, and
    // what decodes is exactly what encoding gives back (one spelling per value).
    if let decoded = Base64.decodeURL(text) { precondition(Base64.encodeURL(decoded) == text, "base64url is not canonical") }
    precondition(Base64.decodeURL(Base64.encodeURL(bytes)) == bytes, "base64url does not round-trip")
    return 0
}
