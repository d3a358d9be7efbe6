import TollgateHTTP
import TollgateJSON

/// What to do with one SSE event after the tracker saw it.
public enum StreamEventAction: Sendable, Equatable {
    /// Send `event.raw` on unchanged.
    case forward
    /// Send nothing: the event exists only because Tollgate asked for it.
    case drop
    /// Send these bytes instead of `event.raw`.
    case replace([UInt8])
}

/// What a provider's stream logic decided about one event's data.
enum StreamObservation: Equatable {
    case forward
    case drop
    /// Cut this byte range out of the event's data (coordinates within the data JSON).
    case strip(Range<Int>)
}

/// Per-request state machine over a response's SSE events: reads the provider's usage as it
/// passes, counts generated text for an estimate when there is none, and (when Tollgate
/// injected stream_options.include_usage) hides that injection from the client. Feed every
/// event in order with `process`, then call `finish(cut:)` once.
public struct StreamUsageTracker: Sendable {
    public let request: LLMRequestInfo
    /// Tollgate added include_usage: drop the usage-only chunk and cut "usage":null elsewhere.
    public let stripInjectedUsage: Bool
    public let rules: PromptBoundRules
    let scanner: JSONScanner

    /// The provider's latest usage report, and whether it is the final one.
    public private(set) var reported: Usage?
    public private(set) var reportedFinal = false
    /// Bytes of generated content seen (as written in JSON, >= decoded bytes).
    public private(set) var outputBytes: Int64 = 0
    var toolCalls: Int64 = 0
    var choices: Int64 = 0
    /// A finish_reason / stop event arrived.
    public internal(set) var finishSeen = false
    /// Events whose data was not valid JSON (forwarded untouched, data bytes counted as output).
    public private(set) var malformedEvents = 0
    public private(set) var eventCount = 0
    /// The model the stream says served it (see `ServedModel`), from its first data events.
    public private(set) var servedModel: String?
    private var modelProbes = 0
    /// The last rewritten event (see `cutOut`).
    private var rewritten: [UInt8] = []

    public init(request: LLMRequestInfo, injectedIncludeUsage: Bool, rules: PromptBoundRules = .default, scanner: JSONScanner = JSONScanner()) {
        self.request = request
        self.stripInjectedUsage = injectedIncludeUsage && (request.api == .openAIChat || request.api == .openAICompletions)
        self.rules = rules
        self.scanner = scanner
    }

    mutating func addOutput(bytes: Int64) { outputBytes = outputBytes.addingSaturating(bytes) }

    mutating func noteChoice(index: Int64) { choices = max(choices, min(index, 1 << 20) + 1) }

    mutating func report(_ usage: Usage, final: Bool) {
        reported = usage
        reportedFinal = reportedFinal || final
    }

    /// Looks at one event; returns what to send to the client in its place.
    public mutating func process(_ event: SSEEvent) -> StreamEventAction {
        process(event, singlePass: true)
    }

    /// `process` with every event read through a tape: the reference the single-pass readers
    /// are checked against (agreement tests, fuzz target).
    public mutating func processViaTape(_ event: SSEEvent) -> StreamEventAction {
        process(event, singlePass: false)
    }

    private mutating func process(_ event: SSEEvent, singlePass: Bool) -> StreamEventAction {
        eventCount += 1
        guard event.hasData else { return .forward }
        // The parser's range of the only data line (nil for several lines).
        let located = event.dataRangeInRaw
        let outcome: (StreamObservation, Bool) = event.raw.withUnsafeBytes { raw in
            if let located {
                return observe(UnsafeRawBufferPointer(rebasing: raw[located]), singlePass: singlePass)
            }
            return SSEDataLocator.dataBytes(in: event.raw).withUnsafeBytes { observe($0, singlePass: singlePass) }
        }
        let (observation, ok) = outcome
        if !ok {
            malformedEvents += 1
            addOutput(bytes: Int64(event.data.utf8.count))
        }
        switch observation {
        case .forward: return .forward
        case .drop:
            // When a CRLF was split across reads, SSEParser hands its LF to the next event's
            // raw: that LF ends the previous (forwarded) event and must still be sent.
            return event.raw.first == 0x0A ? .replace([0x0A]) : .drop
        case .strip(let cut):
            if let located {
                let start = located.lowerBound
                return .replace(cutOut((start + cut.lowerBound)..<(start + cut.upperBound), from: event.raw))
            }
            // Several data lines: rebuild the event from its fields (cannot keep the exact
            // line split, but no OpenAI-style server sends one).
            var data = SSEDataLocator.dataBytes(in: event.raw)
            data.removeSubrange(cut)
            return .replace(SSEDataLocator.rebuild(event, data: data))
        }
    }

    /// The stream's closing "[DONE]" (a byte compare: `elementsEqual` on the UTF-8 view ran
    /// generic, ~100 instructions an event).
    @inline(__always)
    static func isDone(_ data: UnsafeRawBufferPointer) -> Bool {
        data.count == 6 && data.loadUnaligned(as: UInt32.self) == 0x4E4F_445B && data.loadUnaligned(fromByteOffset: 4, as: UInt16.self) == 0x5D45
    }

    /// `raw` without `cut`, in `rewritten`'s buffer: the client's copy is written and dropped
    /// before the next event, so the buffer is reused instead of allocated per event.
    private mutating func cutOut(_ cut: Range<Int>, from raw: [UInt8]) -> [UInt8] {
        rewritten.removeAll(keepingCapacity: rewritten.capacity <= 64 << 10)
        raw.withUnsafeBytes { b in
            rewritten.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[..<cut.lowerBound]))
            rewritten.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[cut.upperBound...]))
        }
        return rewritten
    }

    /// The observation and whether the data parsed.
    private mutating func observe(_ data: UnsafeRawBufferPointer, singlePass: Bool) -> (StreamObservation, Bool) {
        // Every provider names the model in its first event or two; later events are not probed.
        if servedModel == nil && modelProbes < 3 {
            modelProbes += 1
            servedModel = ServedModel.fromStreamEvent(api: request.api, data: data)
        }
        guard singlePass else { return observeViaTape(data) }
        if Self.isDone(data) { return (.forward, true) }
        // OpenAI-style and Gemini chunks, Anthropic and Responses deltas: nearly every streamed event, in one pass
        // without a tape; any event it cannot answer for exactly goes on to the tape path below.
        switch request.api {
        case .openAIChat: if let o = OpenAIChat.observeSinglePass(data, text: .delta, into: &self) { return (o, true) }
        case .openAICompletions: if let o = OpenAIChat.observeSinglePass(data, text: .text, into: &self) { return (o, true) }
        case .anthropicMessages: if let o = Anthropic.observeSinglePass(data, into: &self) { return (o, true) }
        case .openAIResponses: if let o = OpenAIResponses.observeSinglePass(data, into: &self) { return (o, true) }
        case .geminiGenerateContent, .geminiStreamGenerateContent:
            if let o = Gemini.observeSinglePass(data, into: &self) { return (o, true) }
        default: break
        }
        return observeViaTape(data)
    }

    /// `observe` through a tape of the event's data: every provider, and the reference the
    /// single-pass readers are checked against.
    private mutating func observeViaTape(_ data: UnsafeRawBufferPointer) -> (StreamObservation, Bool) {
        if Self.isDone(data) { return (.forward, true) }
        do throws(JSONParseError) {
            let doc = try JSONDocument(data, scanner: scanner)
            switch request.api {
            case .openAIChat: return (try OpenAIChat.observe(doc, text: .delta, into: &self), true)
            case .openAICompletions: return (try OpenAICompletions.observe(doc, into: &self), true)
            case .openAIResponses: return (try OpenAIResponses.observe(doc, into: &self), true)
            case .anthropicMessages: return (try Anthropic.observe(doc, into: &self), true)
            case .geminiGenerateContent, .geminiStreamGenerateContent: return (try Gemini.observe(doc, into: &self), true)
            case .openAIEmbeddings, .anthropicCountTokens: return (.forward, true)
            }
        } catch {
            return (.forward, false)
        }
    }

    /// The usage to settle. Exact when the provider's final usage report was seen (even if
    /// the stream was cut afterwards). Otherwise estimated, never below the truth:
    /// - input: the reported input when the provider sent one (Anthropic message_start),
    ///   else the request's prompt bound;
    /// - output: generated-content bytes seen (a byte-level BPE bound) plus overheads per tool
    ///   call and per choice, no less than any partial report; capped by the request's output
    ///   bound on a completed stream (the provider cannot exceed it). When the model may reason
    ///   invisibly (o-series, gpt-5, Gemini 2.5+, Claude thinking) the visible bytes bound
    ///   nothing, so the output bound itself is charged when known. A cut stream is charged
    ///   everything seen, uncapped.
    public func finish(cut: Bool) -> Usage {
        if let reported, reportedFinal {
            return reported
        }
        var u = Usage(estimated: true)
        if let r = reported {
            u.inputTokens = r.inputTokens
            u.cachedInputTokens = r.cachedInputTokens
            u.cacheWriteTokens = r.cacheWriteTokens
        } else {
            u.inputTokens = request.promptTokenBound
        }
        var output = outputBytes
            .addingSaturating(toolCalls.multipliedSaturating(rules.perToolOverhead))
            .addingSaturating(max(1, choices).multipliedSaturating(rules.perMessageOverhead))
        output = max(output, reported?.outputTokens ?? 0)
        if let bound = request.outputTokenBound {
            if request.hiddenReasoningPossible {
                output = max(output, bound)
            } else if !cut {
                output = min(output, bound)
            }
        }
        u.outputTokens = output
        return u
    }
}
