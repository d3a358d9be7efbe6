/// Size limits an HTTP/1.1 parser enforces before it buffers or trusts anything from the peer.
public struct HTTP1Limits: Sendable, Equatable {
    /// Longest request line (or status line) without its CRLF; longer answers 414.
    public var maxRequestLineBytes: Int
    /// Longest head, request line and final blank line included; longer answers 431.
    /// Chunked trailer sections are held to the same bound.
    public var maxHeaderBytes: Int
    /// Most header fields in one head (or trailer section); more answers 431.
    public var maxHeaderCount: Int
    /// Largest body: checked against Content-Length up front and against the chunked running total (413).
    public var maxBodyBytes: Int64
    /// Longest chunk-size line (extensions included, CRLF excluded); longer answers 400.
    public var maxChunkLineBytes: Int

    public init(
        maxRequestLineBytes: Int = 8192,
        maxHeaderBytes: Int = 32768,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int64 = 32 << 20,
        maxChunkLineBytes: Int = 4096
    ) {
        // Clamp to sane minimums so a misconfiguration cannot make the arithmetic below go negative.
        // Upper clamps keep window arithmetic (start + limit + 2) far from Int overflow.
        let cap = 1 << 40
        self.maxRequestLineBytes = min(max(1, maxRequestLineBytes), cap)
        self.maxHeaderBytes = min(max(4, maxHeaderBytes), cap)
        self.maxHeaderCount = min(max(0, maxHeaderCount), cap)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.maxChunkLineBytes = min(max(1, maxChunkLineBytes), cap)
    }
}
