import TollgateJSON

/// How a tools/call ended, read from the server's JSON-RPC answer.
public enum MCPCallOutcome {
    /// ok for a result without `isError: true`; error (with the code) for a JSON-RPC error or
    /// an isError result; nil when `message` is not the answer to `id`.
    public static func classify(_ message: JSONValue, id: JSONRPCID) -> (status: MCPAuditRecord.Status, detail: String?)? {
        guard let rid = message["id"].flatMap(JSONRPCID.init), rid == id else { return nil }
        if let e = message["error"] {
            return (.error, e["code"]?.int64Value.map { "jsonrpc_error \($0)" } ?? "jsonrpc_error")
        }
        guard let r = message["result"] else { return nil }
        return r["isError"]?.boolValue == true ? (.error, "tool_error") : (.ok, nil)
    }
}
