import Testing
@testable import TollgateSync

struct SimulationTests {
    /// A small fault-free cluster spends its budget with zero overspend and high utilization.
    @Test func smallClusterNoFaults() {
        let r = runSimulations(SimulationOptions(sidecars: 3, coordinators: 1, seeds: 2, faults: .none))
        print(r.jsonString)
        #expect(r.overspendTokensMax == 0)
        #expect(r.invariantViolations == 0)
    }
}
