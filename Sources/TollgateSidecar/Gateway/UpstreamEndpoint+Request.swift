import TollgateHTTP
import TollgateJSON
import TollgateLLM

extension UpstreamEndpoint {
    /// The request as this endpoint wants it: credentials swapped, the path mapped to the
    /// provider's layout (Azure deployments, Gemini's model in the path, a base path), and
    /// the body's model set to the provider's name for it.
    func adapt(head: inout HTTPRequestHead, body: inout [UInt8]?, api: LLMAPI?, alias: String?, stripClientCredentials: Bool) {
        if stripClientCredentials || injectsCredential {
            head.headers.removeAll(whereName: Self.isClientCredentialHeader)
            // A key in the query (Gemini's `?key=`, which IdentityFilter accepts on any path)
            // is a client credential too: it went on to every provider in the URL.
            head.target = Self.removingKeyParameter(head.target)
        }
        if !isPassthrough {
            for h in credentialHeaders { head.headers.set(h.name, h.value) }
            if kind == .anthropic && !head.headers.contains("anthropic-version") {
                head.headers.add("anthropic-version", "2023-06-01")
            }
        }
        if mapsPaths { head.target = mappedTarget(head.target, api: api, alias: alias) }
        if let model, let alias, model != alias, let api, api.provider != .gemini, let b = body, !b.isEmpty {
            var quoted: [UInt8] = []
            JSONValue.writeString(model, to: &quoted)
            if let rewritten = try? JSONSplice.setting(["model"], to: quoted, in: b) {
                body = rewritten
                head.headers.set("content-length", String(rewritten.count))
            }
        }
    }

    /// `target` is the upstream request target already prefixed with the base path.
    func mappedTarget(_ target: String, api: LLMAPI?, alias: String?) -> String {
        // The common case (OpenAI/Anthropic-style provider, no /v1 base path): unchanged.
        if !mapsPaths { return target }
        var path = target
        var query = ""
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        }
        // base_url written the SDK way (".../v1") and a client path that starts with /v1 too.
        let base = self.target.basePath
        if base.hasSuffix("/v1"), path.hasPrefix(base + "/v1/") {
            path = base + path.dropFirst(base.utf8.count + 3)
        }
        switch kind {
        case .azure:
            guard let model, let api else { break }
            let tail: String
            switch api {
            case .openAIChat: tail = "chat/completions"
            case .openAICompletions: tail = "completions"
            case .openAIEmbeddings: tail = "embeddings"
            case .openAIResponses: tail = "responses"
            default: tail = ""
            }
            if !tail.isEmpty {
                path = base + (api == .openAIResponses ? "/openai/responses" : "/openai/deployments/\(model)/\(tail)")
                query = Self.settingQuery(query, "api-version", apiVersion ?? "")
            }
        case .gemini:
            if let model, let alias, model != alias, let api, api.provider == .gemini {
                path = path.replacingFirst("/models/\(alias):", with: "/models/\(model):")
            }
        default:
            break
        }
        return query.isEmpty ? path : path + "?" + query
    }

    /// `target` without its `key` query parameters (unchanged, not copied, when it has none).
    static func removingKeyParameter(_ target: String) -> String {
        guard let q = target.firstIndex(of: "?") else { return target }
        let query = String(target[target.index(after: q)...])
        let kept = removingQuery(query, "key")
        if kept.utf8.count == query.utf8.count { return target }
        return kept.isEmpty ? String(target[..<q]) : target[..<q] + "?" + kept
    }

    static func settingQuery(_ query: String, _ name: String, _ value: String) -> String {
        let kept = removingQuery(query, name)
        return (kept.isEmpty ? "" : kept + "&") + name + "=" + value
    }

    static func removingQuery(_ query: String, _ name: String) -> String {
        guard !query.isEmpty else { return query }
        return query.split(separator: "&").filter { !($0 == name || $0.hasPrefix(name + "=")) }.joined(separator: "&")
    }
}

extension String {
    func replacingFirst(_ needle: String, with replacement: String) -> String {
        guard let r = range(of: needle) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }

    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
