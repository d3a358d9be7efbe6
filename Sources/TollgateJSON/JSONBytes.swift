/// `withUnsafeBytes` for typed throws: the standard library's version rethrows `any Error`.
/// Inlinable: unspecialized (called from other modules) it cost ~1,200 instructions per call
/// in generic metadata and value witnesses (callgrind).
@inlinable
public func withJSONBytes<R>(
    _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(JSONParseError) -> R
) throws(JSONParseError) -> R {
    let result: Result<R, JSONParseError> = array.withUnsafeBytes { buf in
        do throws(JSONParseError) { return .success(try body(buf)) } catch { return .failure(error) }
    }
    return try result.get()
}
