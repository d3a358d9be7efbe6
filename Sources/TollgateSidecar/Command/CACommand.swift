import Glibc
import TollgateTransport

/// `tollgate ca init --out DIR`: creates a CA for the egress proxy's TLS interception (an
/// ECDSA P-256 key, mode 0600, and a self-signed CA certificate valid ten years) and prints how
/// to make clients trust it.
public enum CACommand {
    public static let usage = """
    Usage: tollgate ca init --out DIR [--name NAME] [--days N] [--force]

    Creates DIR/ca.pem (certificate) and DIR/ca.key (private key, mode 0600) for the egress
    proxy's --egress-ca-cert / --egress-ca-key. Existing files are kept unless --force.

      --out DIR      where to write (created if missing)
      --name NAME    certificate common name [Tollgate Egress CA]
      --days N       validity in days [3650]
      --force        overwrite existing files
    """

    public static func run(_ args: [String]) -> Int32 {
        guard let sub = args.first, sub == "init" else {
            if args.first == "--help" || args.first == "-h" || args.first == "help" {
                print(usage)
                return 0
            }
            TollgateCLI.printError("tollgate ca: expected 'init'\n\n\(usage)")
            return 2
        }
        if args.contains("--help") || args.contains("-h") {
            print(usage)
            return 0
        }
        var out: String?
        var name = "Tollgate Egress CA"
        var days = 3650
        var force = false
        var r = ArgumentReader(Array(args.dropFirst()))
        do {
            while !r.isAtEnd {
                let f = try r.nextFlag()
                switch f.name {
                case "--out": out = try r.value(for: f)
                case "--name": name = try r.value(for: f)
                case "--days": days = try r.int(for: f, min: 1, max: 36500)
                case "--force": force = true
                default: throw ConfigError("unknown option \(f.name) (see tollgate ca --help)")
                }
            }
            guard let dir = out else { throw ConfigError("--out DIR is required") }
            try create(dir: dir, name: name, days: days, force: force)
            print(instructions(dir: dir))
            return 0
        } catch {
            TollgateCLI.printError("tollgate ca init: \(error)")
            return 1
        }
    }

    static func create(dir: String, name: String, days: Int, force: Bool) throws(ConfigError) {
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw ConfigError("cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        let certPath = dir + "/ca.pem", keyPath = dir + "/ca.key"
        if !force {
            for p in [certPath, keyPath] where access(p, F_OK) == 0 {
                throw ConfigError("\(p) exists; use --force to replace the CA")
            }
        }
        let ca: CertificateAuthority
        let keyPEM: [UInt8], certPEM: [UInt8]
        do {
            ca = try CertificateAuthority.create(commonName: name, days: days, now: Int64(time(nil)))
            keyPEM = try ca.keyPEM()
            certPEM = try ca.certificate.pem()
        } catch {
            throw ConfigError("cannot create the CA: \(error.message)")
        }
        try write(keyPEM, to: keyPath, mode: 0o600)
        try write(certPEM, to: certPath, mode: 0o644)
    }

    /// Writes through a temporary file created with `mode` (so the key is never readable by
    /// others, even for a moment) and renames it into place.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(ConfigError) {
        let tmp = path + ".tmp"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ConfigError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 {
                let e = errno
                close(fd)
                unlink(tmp)
                throw ConfigError("cannot write \(tmp): \(String(cString: strerror(e)))")
            }
            done += n
        }
        _ = fchmod(fd, mode)
        guard fsync(fd) == 0, close(fd) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw ConfigError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func instructions(dir: String) -> String {
        """
        Created \(dir)/ca.pem (CA certificate) and \(dir)/ca.key (private key, mode 0600).

        Run the proxy with it:
          tollgate sidecar --egress --egress-ca-cert \(dir)/ca.pem --egress-ca-key \(dir)/ca.key ...

        Make clients trust it (a bundle = the system CAs plus ca.pem, since SSL_CERT_FILE and
        REQUESTS_CA_BUNDLE replace the default store):
          cat /etc/ssl/certs/ca-certificates.crt \(dir)/ca.pem > bundle.pem
          export HTTPS_PROXY=http://127.0.0.1:8787 HTTP_PROXY=http://127.0.0.1:8787 NO_PROXY=localhost,127.0.0.1
          export SSL_CERT_FILE=$PWD/bundle.pem          # OpenSSL, Python ssl/httpx, curl, Go
          export REQUESTS_CA_BUNDLE=$PWD/bundle.pem     # Python requests
          export NODE_EXTRA_CA_CERTS=\(dir)/ca.pem      # Node.js (added to its built-in store)

        Keep ca.key secret: whoever holds it can impersonate any host to clients that trust ca.pem.
        """
    }
}
