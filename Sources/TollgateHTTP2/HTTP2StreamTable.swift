/// The session's streams by id, with the last one looked up kept aside: nghttp2 calls back
/// once per header field and per frame, nearly always for the stream it just named.
struct HTTP2StreamTable {
    private var byID = HTTP2StreamMap<HTTP2StreamState>()
    private var lastID: Int32 = -1
    private var last: HTTP2StreamState?

    subscript(id: Int32) -> HTTP2StreamState? {
        mutating get {
            if id == lastID, let last { return last }
            let s = byID[id]
            if let s { lastID = id; last = s }
            return s
        }
        set {
            byID[id] = newValue
            if id == lastID { last = newValue; if newValue == nil { lastID = -1 } }
        }
    }

    mutating func removeValue(forKey id: Int32) -> HTTP2StreamState? {
        if id == lastID { lastID = -1; last = nil }
        return byID.removeValue(forKey: id)
    }

    mutating func removeAll() {
        byID.removeAll()
        lastID = -1
        last = nil
    }

    var count: Int { byID.count }

    /// Every stream, in id order.
    func sortedByID() -> [(key: Int32, value: HTTP2StreamState)] { byID.entries }
}
