import Glibc
import TollgateTransport

/// `tollgate mock-provider`: the built-in mock LLM provider, for the demo, the chaos harness
/// and trying Tollgate without an API key.
public enum MockProviderCommand {
    public static let usage = """
    Usage: tollgate mock-provider [--listen ADDR] [--latency-ms N] [--output-tokens N] [--log FILE]

    A mock OpenAI (/v1/chat/completions) and Anthropic (/v1/messages) provider: streaming (SSE)
    and not, with usage; answers take --latency-ms (spread over the stream) [100] and about
    --output-tokens tokens [48] (never more than max_tokens). GET /_mock/stats gives the
    totals it served; --log FILE writes one JSON line per answer.
    """

    public static func run(_ args: [String]) -> Int32 {
        var listen = "127.0.0.1:18080"
        var latency = 100
        var output: Int64 = 48
        var log: String?
        var r = ArgumentReader(args)
        do {
            while !r.isAtEnd {
                let f = try r.nextFlag()
                switch f.name {
                case "--listen": listen = try r.value(for: f)
                case "--latency-ms": latency = try r.int(for: f, min: 0, max: 600_000)
                case "--output-tokens": output = Int64(try r.int(for: f, min: 1, max: 1_000_000))
                case "--log": log = try r.value(for: f)
                case "-h", "--help":
                    print(usage)
                    return 0
                default: throw ConfigError("unknown option \(f.name)")
                }
            }
            Socket.ignoreSIGPIPE()
            let signals = SignalWaiter([SIGTERM, SIGINT])
            let server = MockProviderServer(listen: try SocketAddress(parsing: listen), latencyMillis: latency, baseOutput: output, logPath: log)
            try server.start()
            Log.info("mock provider listening on \(server.boundAddress.map { "\($0)" } ?? listen) (latency \(latency) ms)")
            _ = signals.wait()
            server.stop()
            return 0
        } catch {
            TollgateCLI.printError("tollgate mock-provider: \(error)")
            return 2
        }
    }
}
