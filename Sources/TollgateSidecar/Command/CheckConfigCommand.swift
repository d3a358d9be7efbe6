import TollgateConfig

/// `tollgate check-config FILE`: parses and validates a configuration file exactly as the
/// sidecar would at start or reload (secrets resolved, references checked, CA files loaded,
/// upstream hosts resolved unless --no-resolve), without starting anything.
enum CheckConfigCommand {
    static let usage = """
    Usage: tollgate check-config [--no-resolve] FILE

    Validates a sidecar configuration file (docs/configuration.md) and exits 0 when it is
    valid, 1 with file:line:column: message when it is not.

      --no-resolve   do not resolve upstream host names (for CI without DNS)
    """

    static func run(_ args: [String]) -> Int32 {
        if args.contains("--help") || args.contains("-h") {
            print(usage)
            return 0
        }
        var resolve = true
        var files: [String] = []
        for a in args {
            if a == "--no-resolve" { resolve = false } else if a.hasPrefix("-") {
                TollgateCLI.printError("tollgate check-config: unknown option \(a)\n\n\(usage)")
                return 2
            } else { files.append(a) }
        }
        guard !files.isEmpty else {
            TollgateCLI.printError(usage)
            return 2
        }
        var status: Int32 = 0
        for path in files {
            do {
                let file = try SidecarConfigFile.load(path: path)
                var health: [String: DeploymentHealth] = [:]
                let policy = try GatewayPolicy.build(file: file, options: file.options, version: 1, health: &health, resolution: resolve ? .strict : .skip)
                print("\(path): ok (\(file.providers.count) providers, \(policy.models.count) models, \(file.keys.count) keys, \(file.budgets.count) budgets)")
            } catch {
                TollgateCLI.printError("\(error)")
                status = 1
            }
        }
        return status
    }
}
