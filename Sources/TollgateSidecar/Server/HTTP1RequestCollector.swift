import TollgateHTTP

/// Whole HTTP/1.1 requests (head and body) out of bytes as they arrive, for the small servers
/// that answer a request once it is complete: the admin port (`AdminConnection`, also the
/// coordinator's HTTP/1.1 side) and the mock provider. The data plane streams instead.
struct HTTP1RequestCollector {
    private var parser: HTTP1RequestParser
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(maxBodyBytes: Int64) {
        parser = HTTP1RequestParser(limits: HTTP1Limits(maxBodyBytes: maxBodyBytes))
    }

    /// Parses `bytes` and hands each complete request to `complete`, which says whether to go on:
    /// false leaves the bytes after the returned count to the caller (pipelined requests behind a
    /// response that waits). Also stops when `stop` says so (the connection closed).
    mutating func collect(_ bytes: UnsafeRawBufferPointer, stop: () -> Bool,
                          complete: (HTTPRequestHead, [UInt8]) -> Bool) throws(HTTP1ParseError) -> Int {
        var offset = 0
        while !stop() {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let (used, event) = try parser.next(slice)
            offset += used
            guard let event else { break }
            switch event {
            case .requestHead(let h, _):
                head = h
                body = []
            case .body(let r):
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: slice[r]))
            case .end:
                guard let h = head else { break }
                head = nil
                if !complete(h, body) { return offset }
            default:
                break
            }
        }
        return offset
    }
}
