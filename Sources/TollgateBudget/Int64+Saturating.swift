extension Int64 {
    /// Addition that sticks at the bounds instead of trapping: totals replayed from a damaged or
    /// hostile WAL (CRC-valid garbage) must never crash recovery.
    @inlinable
    func addingSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : r
    }
}
