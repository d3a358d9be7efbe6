/// The `tollgate` command line: dispatches subcommands.
public enum TollgateCLI {
    public static let usage = """
    Usage: tollgate <command> [options]

    Commands:
      sidecar      run the data-plane proxy beside an app (tollgate sidecar --help)
      check-config validate a configuration file (tollgate check-config --help)
      coordinator  run the cluster budget coordinator (tollgate coordinator --help)
      demo         a coordinator, three sidecars and a mock provider enforcing one budget
      mock-provider  a mock OpenAI/Anthropic provider (tollgate mock-provider --help)
      simulate     run the deterministic cluster-budget simulator (tollgate simulate --help)
      health       probe a running Tollgate's admin /healthz, exit 0 or 1 (tollgate health --help)
      ca           create a CA for the egress proxy's TLS interception (tollgate ca init --help)
      version      print the version
      help         this help
    """

    public static func run(_ arguments: [String]) -> Int32 {
        var args = Array(arguments.dropFirst())
        guard let command = args.first else {
            print(usage)
            return 2
        }
        args.removeFirst()
        switch command {
        case "sidecar":
            if args.contains("--help") || args.contains("-h") {
                print(SidecarCommand.usage)
                return 0
            }
            do {
                return SidecarCommand.run(try SidecarCommand.parse(args))
            } catch {
                printError("tollgate sidecar: \(error)")
                return 2
            }
        case "check-config":
            return CheckConfigCommand.run(args)
        case "coordinator":
            if args.contains("--help") || args.contains("-h") {
                print(CoordinatorCommand.usage)
                return 0
            }
            do {
                return CoordinatorCommand.run(try CoordinatorCommand.parse(args))
            } catch {
                printError("tollgate coordinator: \(error)")
                return 2
            }
        case "demo":
            return DemoCommand.run(args)
        case "bench-coordinator":
            return BenchCoordinatorCommand.run(args)
        case "mock-provider":
            return MockProviderCommand.run(args)
        case "simulate":
            return SimulateCommand.run(args)
        case "health":
            return HealthCommand.run(args)
        case "ca":
            return CACommand.run(args)
        case "version", "--version", "-V":
            print("tollgate \(TollgateVersion.string)")
            return 0
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            printError("tollgate: unknown command '\(command)'\n\n\(usage)")
            return 2
        }
    }

    static func printError(_ s: String) {
        var line = s + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

import Glibc
