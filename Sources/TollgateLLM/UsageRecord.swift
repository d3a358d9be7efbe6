/// One settled model call, as written to the audit log and reported to the coordinator.
public struct UsageRecord: Sendable, Equatable {
    /// Completion time, Unix epoch milliseconds.
    public var timeUnixMillis: Int64
    public var requestID: String
    public var virtualKey: String?
    public var agent: String?
    public var team: String?
    public var workflow: String?
    public var traceID: String?
    public var provider: String?
    public var api: String?
    /// Deployment (upstream route) that served the call.
    public var deployment: String?
    public var modelRequested: String?
    /// The model the provider says answered (dated snapshot), if it said.
    public var modelServed: String?
    public var usage: Usage
    public var costMicroUSD: Int64
    public var status: Int
    public var stream: Bool
    public var latencyMicros: Int64
    /// Time to the first response byte.
    public var ttfbMicros: Int64?

    public init(
        timeUnixMillis: Int64, requestID: String, virtualKey: String? = nil, agent: String? = nil, team: String? = nil,
        workflow: String? = nil, traceID: String? = nil, provider: String? = nil, api: String? = nil, deployment: String? = nil,
        modelRequested: String? = nil, modelServed: String? = nil, usage: Usage = .zero, costMicroUSD: Int64 = 0,
        status: Int = 0, stream: Bool = false, latencyMicros: Int64 = 0, ttfbMicros: Int64? = nil
    ) {
        self.timeUnixMillis = timeUnixMillis
        self.requestID = requestID
        self.virtualKey = virtualKey
        self.agent = agent
        self.team = team
        self.workflow = workflow
        self.traceID = traceID
        self.provider = provider
        self.api = api
        self.deployment = deployment
        self.modelRequested = modelRequested
        self.modelServed = modelServed
        self.usage = usage
        self.costMicroUSD = costMicroUSD
        self.status = status
        self.stream = stream
        self.latencyMicros = latencyMicros
        self.ttfbMicros = ttfbMicros
    }
}
