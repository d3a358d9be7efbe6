/// What this endpoint advertises to its peer. Defaults suit a proxy: many streams, and receive
/// windows large enough for LLM bodies while flow control still bounds memory per connection.
public struct HTTP2Settings: Sendable, Equatable {
    public var maxConcurrentStreams: UInt32
    /// Per-stream receive window we advertise (SETTINGS_INITIAL_WINDOW_SIZE).
    public var initialStreamWindowSize: UInt32
    /// Connection receive window, raised from the protocol's 65535 by a WINDOW_UPDATE on stream 0
    /// right after our SETTINGS. Values below 65535 leave the default in place.
    public var connectionWindowSize: UInt32
    public var maxFrameSize: UInt32
    /// Advertised, and enforced on received header blocks (name + value + 32 per field).
    public var maxHeaderListSize: UInt32

    public init(
        maxConcurrentStreams: UInt32 = 256,
        initialStreamWindowSize: UInt32 = 1 << 20,
        connectionWindowSize: UInt32 = 1 << 24,
        maxFrameSize: UInt32 = 16384,
        maxHeaderListSize: UInt32 = 65536
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialStreamWindowSize = initialStreamWindowSize
        self.connectionWindowSize = connectionWindowSize
        self.maxFrameSize = maxFrameSize
        self.maxHeaderListSize = maxHeaderListSize
    }
}
