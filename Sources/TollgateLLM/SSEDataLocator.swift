import TollgateHTTP

/// Finds an event's data inside its raw bytes, so a rewrite can splice `raw` and keep every
/// other byte (field order, comments, line ends) as it came.
enum SSEDataLocator {
    /// The event's data as the exact bytes of its data lines joined with LF (what
    /// `SSEEvent.data` holds, without String's repair of invalid UTF-8: a body that is not
    /// UTF-8 must stay invalid JSON, not become valid through replacement characters).
    static func dataBytes(in raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var first = true
        var i = 0
        let n = raw.count
        var atStart = true
        while i < n {
            var lineStart = i
            // A BOM opens the stream, not a field (SSEParser skips it the same way).
            if atStart && n - i >= 3 && raw[i] == 0xEF && raw[i + 1] == 0xBB && raw[i + 2] == 0xBF { lineStart += 3 }
            atStart = false
            var end = lineStart
            while end < n && raw[end] != 0x0A && raw[end] != 0x0D { end += 1 }
            if end - lineStart >= 4 && raw[lineStart..<(lineStart + 4)].elementsEqual("data".utf8)
                && (end - lineStart == 4 || raw[lineStart + 4] == 0x3A)
            {
                var v = min(lineStart + 5, end)
                if v < end && raw[v] == 0x20 { v += 1 }
                if !first { out.append(0x0A) }
                first = false
                out += raw[v..<end]
            }
            i = end
            if i < n && raw[i] == 0x0D { i += 1 }
            if i < n && raw[i] == 0x0A { i += 1 }
        }
        return out
    }

    /// A fresh event with the same event/id fields and new data.
    static func rebuild(_ e: SSEEvent, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        if let ev = e.event { out += Array("event: \(ev)\n".utf8) }
        if let id = e.id { out += Array("id: \(id)\n".utf8) }
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            out += Array("data: ".utf8)
            out += line
            out.append(0x0A)
        }
        out.append(0x0A)
        return out
    }
}
