/// What the framing-relevant fields of a head said, gathered while its fields are parsed, and
/// the RFC 9112 section 6 rules that turn them into a body framing.
struct HTTP1FramingFacts: Sendable {
    var hostCount = 0
    var sawContentLength = false
    var contentLength: Int64 = 0
    /// First Content-Length fault; decided late because a response's Transfer-Encoding overrides it.
    var contentLengthError: HTTP1ParseError?
    var sawTransferEncoding = false
    var codingCount = 0
    var chunkedCount = 0
    var lastIsChunked = false
    var otherCodings = 0

    /// One Content-Length field value: a list of identical decimal values ("5" or "5, 5").
    mutating func addContentLength(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) {
        // The usual value, 1 to 18 digits (no list, no overflow), in one loop: the general
        // path below cost ~150 instructions for it (measured).
        if !range.isEmpty && range.count <= 18 && contentLengthError == nil {
            var value: Int64 = 0
            var j = range.lowerBound
            while j < range.upperBound {
                let d = b[j] &- 0x30
                guard d < 10 else { break }
                value = value &* 10 &+ Int64(d)
                j += 1
            }
            if j == range.upperBound {
                if sawContentLength && value != contentLength {
                    contentLengthError = HTTP1ParseError(.duplicateContentLength, "Content-Length appears with different values")
                    return
                }
                sawContentLength = true
                contentLength = value
                return
            }
        }
        var elementStart = range.lowerBound
        var i = range.lowerBound
        while i <= range.upperBound {
            if i == range.upperBound || b[i] == HTTP1Bytes.comma {
                addContentLengthElement(b, HTTP1Bytes.trimOWS(b, elementStart..<i))
                elementStart = i + 1
            }
            i += 1
        }
    }

    private mutating func addContentLengthElement(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) {
        guard contentLengthError == nil else { return }
        guard !range.isEmpty else {
            contentLengthError = HTTP1ParseError(.invalidContentLength, "Content-Length is empty")
            return
        }
        var value: Int64 = 0
        for i in range {
            let c = b[i]
            guard HTTP1Bytes.isDigit(c) else {
                contentLengthError = HTTP1ParseError(.invalidContentLength, "Content-Length is not a non-negative decimal number")
                return
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(c &- 0x30))
            if o1 || o2 {
                contentLengthError = HTTP1ParseError(.invalidContentLength, "Content-Length is too large")
                return
            }
            value = s
        }
        if sawContentLength && value != contentLength {
            contentLengthError = HTTP1ParseError(.duplicateContentLength, "Content-Length appears with different values")
            return
        }
        sawContentLength = true
        contentLength = value
    }

    /// One Transfer-Encoding field value: a list of codings; empty list elements are ignored.
    mutating func addTransferEncoding(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) {
        sawTransferEncoding = true
        var elementStart = range.lowerBound
        var i = range.lowerBound
        while i <= range.upperBound {
            if i == range.upperBound || b[i] == HTTP1Bytes.comma {
                let e = HTTP1Bytes.trimOWS(b, elementStart..<i)
                if !e.isEmpty {
                    codingCount += 1
                    if HTTP1Bytes.equalsLowercase(b, e, "chunked") {
                        chunkedCount += 1
                        lastIsChunked = true
                    } else {
                        otherCodings += 1
                        lastIsChunked = false
                    }
                }
                elementStart = i + 1
            }
            i += 1
        }
    }

    /// Request framing (RFC 9112 6.3), strict wherever a lenient reading could allow smuggling.
    func requestFraming(version: HTTPVersion, limits: HTTP1Limits) throws(HTTP1ParseError) -> HTTP1BodyFraming {
        if version == .http1_1 && hostCount == 0 {
            throw HTTP1ParseError(.missingHost, "HTTP/1.1 request has no Host header")
        }
        if hostCount > 1 {
            throw HTTP1ParseError(.duplicateHost, "request has more than one Host header")
        }
        if sawTransferEncoding {
            if sawContentLength || contentLengthError != nil {
                throw HTTP1ParseError(.contentLengthWithTransferEncoding, "request has both Content-Length and Transfer-Encoding")
            }
            if version == .http1_0 {
                throw HTTP1ParseError(.badTransferEncoding, "HTTP/1.0 request has Transfer-Encoding")
            }
            if codingCount == 0 {
                throw HTTP1ParseError(.badTransferEncoding, "Transfer-Encoding is empty")
            }
            if !lastIsChunked {
                throw HTTP1ParseError(.badTransferEncoding, "final transfer coding of a request is not chunked")
            }
            if chunkedCount > 1 {
                throw HTTP1ParseError(.badTransferEncoding, "chunked transfer coding is applied more than once")
            }
            if otherCodings > 0 {
                throw HTTP1ParseError(.unsupportedTransferEncoding, "only the chunked transfer coding is supported")
            }
            return .chunked
        }
        if let e = contentLengthError { throw e }
        if sawContentLength {
            if contentLength > limits.maxBodyBytes {
                throw HTTP1ParseError(.bodyTooLarge, "Content-Length \(contentLength) exceeds the limit of \(limits.maxBodyBytes) bytes")
            }
            return .contentLength(contentLength)
        }
        return .none
    }

    /// Response framing (RFC 9112 6.3) for a final status; bodiless cases are decided by the caller.
    func responseFraming(version: HTTPVersion, limits: HTTP1Limits) throws(HTTP1ParseError) -> HTTP1BodyFraming {
        if sawTransferEncoding {
            // Transfer-Encoding overrides Content-Length. HTTP/1.0 framing with it is faulty: read to close.
            if version == .http1_0 { return .untilClose }
            if chunkedCount > 1 {
                throw HTTP1ParseError(.badTransferEncoding, "chunked transfer coding is applied more than once")
            }
            return lastIsChunked ? .chunked : .untilClose
        }
        if let e = contentLengthError { throw e }
        if sawContentLength {
            if contentLength > limits.maxBodyBytes {
                throw HTTP1ParseError(.bodyTooLarge, "Content-Length \(contentLength) exceeds the limit of \(limits.maxBodyBytes) bytes")
            }
            return .contentLength(contentLength)
        }
        return .untilClose
    }
}
