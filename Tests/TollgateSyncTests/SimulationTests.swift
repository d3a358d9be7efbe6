import Testing
@testable import TollgateSync

struct SimulationTests {
    /// A small fault-free cluster spends its budget with zero overspend and high utilization.
    @Test func smallClusterNoFaults() {
        var o = SimulationOptions(sidecars: 3, coordinators: 1, seeds: 2, faults: .none); o.trace = true
        let r = runSimulations(o)
        print(r.jsonString)
        #expect(r.overspendTokensMax == 0)
        #expect(r.invariantViolations == 0)
    }
}
