/// Who is calling: the virtual key the app presented, resolved through the key table of the
/// configuration. Set on the exchange by the identity filter (first in the chain) before any
/// other filter runs; nil in passthrough mode (no virtual keys configured), where the client's
/// own provider key is forwarded.
struct RequestIdentity: Sendable, Hashable {
    /// The key's id from the configuration (never the key itself): safe to log and to use as a
    /// budget scope value.
    var keyID: String
    var team: String?
    var agent: String?
    /// Model aliases this key may call; nil means every configured model.
    var allowedModels: Set<String>?

    init(keyID: String, team: String? = nil, agent: String? = nil, allowedModels: Set<String>? = nil) {
        self.keyID = keyID
        self.team = team
        self.agent = agent
        self.allowedModels = allowedModels
    }

    func mayCall(model: String) -> Bool {
        allowedModels.map { $0.contains(model) } ?? true
    }
}
