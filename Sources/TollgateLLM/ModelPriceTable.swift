/// Prices by model name, with the matching rules real traffic needs: provider prefixes
/// ("openai/", "models/") are ignored, and a dated or versioned snapshot falls back to its
/// family by the longest matching prefix ending at a separator ("gpt-4o-2024-08-06" ->
/// "gpt-4o", "gpt-4o-mini-2024-07-18" -> "gpt-4o-mini", "claude-3-5-sonnet-v2@20241022" ->
/// "claude-3-5-sonnet").
import Glibc

public struct ModelPriceTable: Sendable, Equatable {
    public private(set) var prices: [String: ModelPrice]
    /// Names as UTF-8, longest first, for prefix matching without String's Unicode machinery.
    private var families: [(name: [UInt8], price: ModelPrice)]

    public init(_ prices: [String: ModelPrice]) {
        var normalized: [String: ModelPrice] = [:]
        for (name, price) in prices { normalized[Self.normalize(name)] = price }
        self.prices = normalized
        families = normalized.map { (name: Array($0.key.utf8), price: $0.value) }
            .sorted { $0.name.count != $1.name.count ? $0.name.count > $1.name.count : $0.name.lexicographicallyPrecedes($1.name) }
    }

    public static func == (a: ModelPriceTable, b: ModelPriceTable) -> Bool { a.prices == b.prices }

    /// The table with `overrides` (from config) taking precedence.
    public func merging(_ overrides: [String: ModelPrice]) -> ModelPriceTable {
        var merged = prices
        for (name, price) in overrides { merged[Self.normalize(name)] = price }
        return ModelPriceTable(merged)
    }

    public func price(for model: String) -> ModelPrice? {
        let m = Self.normalize(model)
        if let p = prices[m] { return p }
        var m8 = m
        return m8.withUTF8 { b in
            for f in families where f.name.count < b.count && Self.isFamily(f.name, of: b) { return f.price }
            return nil
        }
    }

    /// `name` followed by a separator starts `model`.
    static func isFamily(_ name: [UInt8], of model: UnsafeBufferPointer<UInt8>) -> Bool {
        guard model.count > name.count else { return false }
        let next = model[name.count]
        guard next == 0x2D || next == 0x40 || next == 0x3A || next == 0x2E else { return false } // - @ : .
        for i in name.indices where name[i] != model[i] { return false }
        return true
    }

    /// Whether `model` (normalized) is `family` or a variant of it ("o3", "o3-2025-04-16",
    /// "gpt-5.1"; not "o3x").
    static func isModel(_ model: String, inFamily family: String) -> Bool {
        if model == family { return true }
        var m = model
        return m.withUTF8 { b in isFamily(Array(family.utf8), of: b) }
    }

    /// `isModel` on bytes, for a literal family name (no allocation: runs per request).
    static func isModel(_ model: UnsafeBufferPointer<UInt8>, inFamily family: StaticString) -> Bool {
        let n = family.utf8CodeUnitCount
        guard model.count >= n, memcmp(model.baseAddress!, family.utf8Start, n) == 0 else { return false }
        if model.count == n { return true }
        let next = model[n]
        return next == 0x2D || next == 0x40 || next == 0x3A || next == 0x2E // - @ : .
    }

    /// ASCII-lowercased, provider prefix stripped ("openai/gpt-4o" -> "gpt-4o",
    /// "models/gemini-2.5-pro" -> "gemini-2.5-pro").
    public static func normalize(_ model: String) -> String {
        // Most names arrive normalized already: check before copying.
        let clean = model.utf8.withContiguousStorageIfAvailable { b in
            !b.contains { $0 == 0x2F || $0 &- 0x41 < 26 }
        }
        if clean == true { return model }
        var bytes = Array(model.utf8)
        if let slash = bytes.lastIndex(of: 0x2F) { bytes.removeSubrange(...slash) }
        for i in bytes.indices where bytes[i] &- 0x41 < 26 { bytes[i] |= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ModelPriceTable {
    /// Built-in list prices in USD per 1M tokens (standard tier, short-context rates), as
    /// published by OpenAI, Anthropic and Google; table date 2025-08. Long-context tiers
    /// (Gemini Pro > 200k, Claude Sonnet 1M context) and batch discounts are not modelled:
    /// override per deployment in config. Anthropic cache writes are the 5-minute TTL rate.
    public static let builtIn = ModelPriceTable([
        // OpenAI
        "gpt-4o": .usd(2.50, 10.00, cached: 1.25),
        "chatgpt-4o-latest": .usd(5.00, 15.00),
        "gpt-4o-mini": .usd(0.15, 0.60, cached: 0.075),
        "gpt-4.1": .usd(2.00, 8.00, cached: 0.50),
        "gpt-4.1-mini": .usd(0.40, 1.60, cached: 0.10),
        "gpt-4.1-nano": .usd(0.10, 0.40, cached: 0.025),
        "gpt-5": .usd(1.25, 10.00, cached: 0.125),
        "gpt-5-mini": .usd(0.25, 2.00, cached: 0.025),
        "gpt-5-nano": .usd(0.05, 0.40, cached: 0.005),
        "o1": .usd(15.00, 60.00, cached: 7.50),
        "o3": .usd(2.00, 8.00, cached: 0.50),
        "o3-mini": .usd(1.10, 4.40, cached: 0.55),
        "o4-mini": .usd(1.10, 4.40, cached: 0.275),
        "gpt-3.5-turbo": .usd(0.50, 1.50),
        "gpt-3.5-turbo-instruct": .usd(1.50, 2.00),
        "text-embedding-3-small": .usd(0.02, 0),
        "text-embedding-3-large": .usd(0.13, 0),
        "text-embedding-ada-002": .usd(0.10, 0),
        // Anthropic (cache write = 1.25x input, cache read = 0.1x input)
        "claude-opus-4": .usd(15.00, 75.00, cached: 1.50, cacheWrite: 18.75),
        "claude-opus-4-0": .usd(15.00, 75.00, cached: 1.50, cacheWrite: 18.75),
        "claude-opus-4-1": .usd(15.00, 75.00, cached: 1.50, cacheWrite: 18.75),
        "claude-opus-4-5": .usd(5.00, 25.00, cached: 0.50, cacheWrite: 6.25),
        "claude-sonnet-4": .usd(3.00, 15.00, cached: 0.30, cacheWrite: 3.75),
        "claude-sonnet-4-0": .usd(3.00, 15.00, cached: 0.30, cacheWrite: 3.75),
        "claude-sonnet-4-5": .usd(3.00, 15.00, cached: 0.30, cacheWrite: 3.75),
        "claude-3-7-sonnet": .usd(3.00, 15.00, cached: 0.30, cacheWrite: 3.75),
        "claude-3-5-sonnet": .usd(3.00, 15.00, cached: 0.30, cacheWrite: 3.75),
        "claude-haiku-4-5": .usd(1.00, 5.00, cached: 0.10, cacheWrite: 1.25),
        "claude-3-5-haiku": .usd(0.80, 4.00, cached: 0.08, cacheWrite: 1.00),
        "claude-3-haiku": .usd(0.25, 1.25, cached: 0.03, cacheWrite: 0.30),
        "claude-3-opus": .usd(15.00, 75.00, cached: 1.50, cacheWrite: 18.75),
        // Google Gemini (prompts <= 200k tokens; cached = context cache read)
        "gemini-2.5-pro": .usd(1.25, 10.00, cached: 0.125),
        "gemini-2.5-flash": .usd(0.30, 2.50, cached: 0.03),
        "gemini-2.5-flash-lite": .usd(0.10, 0.40, cached: 0.01),
        "gemini-2.0-flash": .usd(0.10, 0.40, cached: 0.025),
        "gemini-2.0-flash-lite": .usd(0.075, 0.30),
    ])
}
