import Foundation
import Testing
import TollgateSync

/// Driven by scripts/soak-sync through environment variables; skipped in normal CI runs.
struct SoakTests {
    static var env: [String: String] { ProcessInfo.processInfo.environment }

    /// Runs the simulation batch described by TOLLGATE_SOAK_* and prints its JSON report.
    @Test(.enabled(if: env["TOLLGATE_SOAK"] != nil))
    func soak() {
        let e = Self.env
        var o = SimulationOptions(sidecars: Int(e["TOLLGATE_SOAK_SIDECARS"] ?? "") ?? 30,
                                  coordinators: Int(e["TOLLGATE_SOAK_COORDINATORS"] ?? "") ?? 1,
                                  seeds: Int(e["TOLLGATE_SOAK_SEEDS"] ?? "") ?? 10,
                                  faults: FaultProfile(rawValue: e["TOLLGATE_SOAK_FAULTS"] ?? "") ?? .all)
        if let s = e["TOLLGATE_SOAK_FIRST_SEED"].flatMap(UInt64.init) { o.firstSeed = s }
        if let d = e["TOLLGATE_SOAK_DURATION_S"].flatMap(Double.init) { o.duration = Int64(d * 1e9) }
        if e["TOLLGATE_SOAK_BEYOND_K"] != nil { o.beyondK = true }
        if let k = e["TOLLGATE_SOAK_CUSTODIANS"].flatMap(Int.init) { o.sync.custodians = k }
        if e["TOLLGATE_SOAK_TRACE"] != nil { o.trace = true }
        if let t = e["TOLLGATE_SOAK_TRACE_NODE"].flatMap(Int.init) { o.traceNode = t }
        if e["TOLLGATE_SOAK_NO_BASELINE"] != nil { o.baseline = false }
        let r = runSimulations(o)
        print("SOAK " + r.jsonString)
        #expect(r.overspendTokensMax == 0 || o.beyondK || o.sync.custodians == 0)
    }
}
