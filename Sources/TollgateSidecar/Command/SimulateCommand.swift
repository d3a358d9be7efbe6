import TollgateSync

/// `tollgate simulate`: runs the deterministic cluster simulator (escrow leases, gossip, faults)
/// and prints one JSON object with the figures the sync protocol promises.
public enum SimulateCommand {
    public static let usage = """
    Usage: tollgate simulate [options]

    Runs seeded, deterministic simulations of sidecars and coordinators enforcing one hard budget
    under faults, beside a naive sync-only baseline, and prints one JSON object (overspend,
    utilization, baseline overspend, restart losses, grant resume time, gossip rounds).

      --sidecars N          simulated sidecars [3]
      --coordinators M      simulated coordinators [1]
      --seeds K             runs with consecutive seeds [1]
      --seed S              first seed [1]
      --faults F            none | loss | partition | crash | failover | all [none]
      --duration SECONDS    simulated time per run [25]
      --beyond-k            also break the k-failure assumption (measures the stated bound)
      --no-baseline         skip the sync-only baseline
      --trace-hash          hash every simulated event into trace_hash (determinism checks)
      --trace-node I        print every non-gossip message to or from node I (sidecars first, then coordinators)
      --trace               print notable events (first early refusal and its cause) to stdout
      --json                print only the JSON object (the default prints it too, plus a summary)
    """

    public static func run(_ args: [String]) -> Int32 {
        var o = SimulationOptions()
        var jsonOnly = false
        var r = ArgumentReader(args)
        do {
            while !r.isAtEnd {
                let f = try r.nextFlag()
                switch f.name {
                case "--sidecars": o.sidecars = try r.int(for: f, min: 1, max: 100_000)
                case "--coordinators": o.coordinators = try r.int(for: f, min: 1, max: 64)
                case "--seeds": o.seeds = try r.int(for: f, min: 1, max: 10_000_000)
                case "--seed": o.firstSeed = UInt64(try r.int(for: f, min: 0))
                case "--faults":
                    let v = try r.value(for: f)
                    guard let p = FaultProfile(rawValue: v) else {
                        throw ConfigError("--faults expects none, loss, partition, crash, failover or all, got '\(v)'")
                    }
                    o.faults = p
                case "--duration": o.duration = Int64(try r.seconds(for: f) * 1e9)
                case "--beyond-k": o.beyondK = true
                case "--no-baseline": o.baseline = false
                case "--trace": o.trace = true
                case "--trace-hash": o.hashTrace = true
                case "--trace-node": o.traceNode = try r.int(for: f, min: 0)
                case "--json": jsonOnly = true
                case "-h", "--help":
                    print(usage)
                    return 0
                default: throw ConfigError("unknown option \(f.name) (see tollgate simulate --help)")
                }
            }
        } catch {
            TollgateCLI.printError("tollgate simulate: \(error)")
            return 2
        }
        let report = runSimulations(o)
        print(report.jsonString)
        if !jsonOnly {
            TollgateCLI.printError("""
            \(report.runs) run(s), \(o.sidecars) sidecars, \(o.coordinators) coordinator(s), faults \(o.faults.rawValue): \
            overspend max \(report.overspendTokensMax) tokens (baseline \(report.baselineOverspendTokensMax)), \
            utilization min \(report.utilizationMin), grant resume max \(report.grantResumeSecondsMax) s, \
            gossip rounds p99 \(report.gossipRoundsP99)
            """)
        }
        return report.overspendTokensMax == 0 && report.invariantViolations == 0 ? 0 : 1
    }
}
