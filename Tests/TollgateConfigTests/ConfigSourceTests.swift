import Foundation
import Testing
@testable import TollgateConfig

struct ConfigSourceTests {
    func withTempFile(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "tollgate-config-\(UInt64.random(in: 0...UInt64.max)).yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    /// load reads and parses the file and returns a hash that changes with the content.
    @Test func loadAndHash() throws {
        try withTempFile(Array("a: 1\n".utf8)) { path in
            let (root, hash) = try ConfigSource.load(path: path)
            #expect(show(root) == "{a: 1}")
            #expect(root.location.file == path)
            #expect(hash == ConfigSource.contentHash(of: Array("a: 1\n".utf8)))
            #expect(hash.count == 64)
            #expect(hash != ConfigSource.contentHash(of: Array("a: 2\n".utf8)))
        }
    }

    /// Errors carry the real path; a missing file says why without a line.
    @Test func loadErrors() throws {
        try withTempFile(Array("a:\n\tb: 1\n".utf8)) { path in
            #expect(throws: ConfigParseError.self) { try ConfigSource.load(path: path) }
            do {
                _ = try ConfigSource.load(path: path)
            } catch let error as ConfigParseError {
                #expect(error.description == "\(path):2:1: tab character in indentation; indent with spaces")
            }
        }
        do {
            _ = try ConfigSource.load(path: "/nonexistent/tollgate.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "/nonexistent/tollgate.yaml: cannot read configuration file: No such file or directory")
            #expect(error.code == .io)
        }
    }

    /// Invalid UTF-8 is reported at its line and column.
    @Test func invalidUTF8() {
        do {
            _ = try ConfigSource.parse(bytes: Array("a: 1\nb: x".utf8) + [0xFF] + Array("\n".utf8), file: "t.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "t.yaml:2:5: invalid UTF-8; configuration files must be UTF-8 text")
        }
    }

    /// SHA-256 matches the FIPS 180-4 test vectors.
    @Test func sha256Vectors() {
        #expect(ConfigSHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ConfigSHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ConfigSHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(ConfigSHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
