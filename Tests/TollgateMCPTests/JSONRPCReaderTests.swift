import Testing
import TollgateJSON
@testable import TollgateMCP

struct JSONRPCReaderTests {
    let reader = JSONRPCReader()

    func read(_ s: String) throws(JSONRPCReadError) -> JSONRPCBody { try reader.read(Array(s.utf8)) }

    /// A request keeps its id (number as written), method and params.
    @Test func request() throws {
        let body = try read(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}"#)
        guard case .single(let m) = body else { Issue.record("not single"); return }
        #expect(m.kind == .request)
        #expect(m.id == .number("7"))
        #expect(m.method == "tools/call")
        #expect(m.nameParameter == "add")
        #expect(m.params?["arguments"]?["a"] == .number("1"))
    }

    /// No id makes a notification; a string id stays a string.
    @Test func notificationAndStringID() throws {
        let n = try read(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).messages[0]
        #expect(n.kind == .notification && n.id == nil)
        let r = try read(#"{"jsonrpc":"2.0","id":"abc","method":"ping"}"#).messages[0]
        #expect(r.id == .string("abc"))
    }

    /// Results and errors read as responses.
    @Test func responses() throws {
        #expect(try read(#"{"jsonrpc":"2.0","id":1,"result":{}}"#).messages[0].kind == .response)
        #expect(try read(#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}"#).messages[0].kind == .error)
    }

    /// A batch reads every message; an empty or oversized batch is an invalid request.
    @Test func batches() throws {
        let b = try read(#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"notifications/x"}]"#)
        #expect(b.messages.map(\.kind) == [.request, .notification])
        #expect(throws: JSONRPCReadError.self) { try read("[]") }
        let small = JSONRPCReader(maxBatch: 1)
        #expect(throws: JSONRPCReadError.self) { try small.read(Array(#"[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]"#.utf8)) }
    }

    /// Malformed JSON is a parse error (-32700); well-formed non-messages are -32600.
    @Test func errorCodes() {
        func code(_ s: String) -> Int? {
            do { _ = try read(s); return nil } catch { return error.code }
        }
        #expect(code("{") == -32700)
        #expect(code("42") == -32600)
        #expect(code(#"{"id":1,"method":"x"}"#) == -32600)
        #expect(code(#"{"jsonrpc":"1.0","id":1,"method":"x"}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","id":{},"method":"x"}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"method":""}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0","method":"a","method":"b"}"#) == -32600)
        #expect(code(#"{"jsonrpc":"2.0"}"#) == -32600)
    }

    /// Responses written by Tollgate read back as what they are.
    @Test func builtMessagesRoundTrip() throws {
        let e = JSONRPCMessage.error(id: .string("q"), code: -32601, message: "no")
        let m = try reader.message(e)
        #expect(m.kind == .error && m.id == .string("q"))
        let r = try reader.message(JSONRPCMessage.result(id: .number("3"), .object([])))
        #expect(r.kind == .response && r.id == .number("3"))
    }
}
