import Testing
@testable import TollgateBudget
@testable import TollgateSidecar

struct WALMetricsTests {
    /// Every family has HELP, TYPE and one sample; seconds are printed exactly.
    @Test func renders() {
        var s = WALStats()
        s.records = 12
        s.commits = 3
        s.commitNanos = 1_500_000_007
        let text = WALMetrics.render(s, recovered: WALRecoveryReport(segments: [], state: WALRecovery()), failed: false)
        #expect(text.contains("# TYPE tollgate_wal_records_total counter\ntollgate_wal_records_total 12\n"))
        #expect(text.contains("tollgate_wal_commits_total 3\n"))
        #expect(text.contains("tollgate_wal_commit_seconds_total 1.500000007\n"))
        #expect(text.contains("tollgate_wal_failed 0\n"))
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples.count == 9)
        #expect(WALMetrics.seconds(5) == "0.000000005")
    }
}
