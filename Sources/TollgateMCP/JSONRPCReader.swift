import TollgateJSON

/// Reads JSON-RPC 2.0 bodies strictly: a parse failure is -32700, a well-formed document that
/// is not a message (or a batch of them) is -32600, as the specification assigns.
public struct JSONRPCReader: Sendable {
    /// Messages per batch: a batch is answered message by message, so it is bounded.
    public var maxBatch: Int
    public var maxDepth: Int

    public init(maxBatch: Int = 100, maxDepth: Int = JSONLimits.defaultMaxDepth) {
        self.maxBatch = maxBatch
        self.maxDepth = maxDepth
    }

    public func read(_ bytes: [UInt8]) throws(JSONRPCReadError) -> JSONRPCBody {
        let doc: JSONValue
        do {
            doc = try JSONValue(parsing: bytes, maxDepth: maxDepth)
        } catch {
            throw JSONRPCReadError(code: JSONRPCErrorCode.parseError, message: "Parse error: \(error)")
        }
        return try read(doc)
    }

    public func read(_ doc: JSONValue) throws(JSONRPCReadError) -> JSONRPCBody {
        if case .array(let items) = doc {
            guard !items.isEmpty else { throw invalid("empty batch") }
            guard items.count <= maxBatch else { throw invalid("batch of \(items.count) messages exceeds the limit of \(maxBatch)") }
            var out: [JSONRPCMessage] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try message(item)) }
            return .batch(out)
        }
        return .single(try message(doc))
    }

    /// One message object.
    public func message(_ v: JSONValue) throws(JSONRPCReadError) -> JSONRPCMessage {
        guard let members = v.objectMembers else { throw invalid("a JSON-RPC message must be an object") }
        var version: JSONValue?, idValue: JSONValue?, method: JSONValue?, params: JSONValue?, result: JSONValue?, error: JSONValue?
        var seen = Set<String>()
        for (k, value) in members {
            // Two readers (Tollgate and the server) must not disagree on a duplicated member.
            guard seen.insert(k).inserted else { throw invalid("duplicate member '\(k)'") }
            switch k {
            case "jsonrpc": version = value
            case "id": idValue = value
            case "method": method = value
            case "params": params = value
            case "result": result = value
            case "error": error = value
            default: continue
            }
        }
        guard version?.stringValue == "2.0" else { throw invalid("'jsonrpc' must be \"2.0\"") }
        var id: JSONRPCID?
        if let idValue {
            guard let i = JSONRPCID(idValue) else { throw invalid("'id' must be a string, a number or null") }
            id = i
        }
        if let method {
            guard let name = method.stringValue, !name.isEmpty else { throw invalid("'method' must be a non-empty string") }
            guard result == nil, error == nil else { throw invalid("a request cannot carry 'result' or 'error'") }
            if let params {
                switch params {
                case .object, .array: break
                default: throw invalid("'params' must be an object or an array")
                }
            }
            return JSONRPCMessage(kind: id == nil ? .notification : .request, id: id, method: name, params: params, value: v)
        }
        guard let id else { throw invalid("a message needs a 'method' or an 'id'") }
        switch (result, error) {
        case (.some, nil):
            return JSONRPCMessage(kind: .response, id: id, method: nil, params: nil, value: v)
        case (nil, .some(let e)):
            guard e["code"]?.int64Value != nil, e["message"]?.stringValue != nil else {
                throw invalid("'error' needs an integer 'code' and a string 'message'")
            }
            return JSONRPCMessage(kind: .error, id: id, method: nil, params: nil, value: v)
        default:
            throw invalid("a response needs exactly one of 'result' and 'error'")
        }
    }

    private func invalid(_ m: String) -> JSONRPCReadError {
        JSONRPCReadError(code: JSONRPCErrorCode.invalidRequest, message: "Invalid Request: \(m)")
    }
}
