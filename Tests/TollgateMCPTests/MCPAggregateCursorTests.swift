import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPAggregateCursorTests {
    let key = Array("a test key of thirty-two bytes!!".utf8)

    /// A cursor written with a key reads back as the same continuations.
    @Test func roundTrip() throws {
        let c = MCPAggregateCursor(pending: [.init(server: "docs", cursor: "page-2"), .init(server: "tickets", cursor: "eyJ4IjoxfQ==\"\\ü")])
        let text = c.encode(key: key)
        #expect(text.utf8.allSatisfy { MCPToolNaming.isNameByte($0) })
        #expect(try MCPAggregateCursor.decode(text, key: key) == c)
    }

    /// A cursor signed with another key (a sidecar with other servers) is invalid params.
    @Test func otherKeyRefused() {
        let text = MCPAggregateCursor(pending: [.init(server: "docs", cursor: "2")]).encode(key: key)
        #expect(throws: JSONRPCReadError.self) { try MCPAggregateCursor.decode(text, key: Array("another key".utf8)) }
        do {
            _ = try MCPAggregateCursor.decode(text, key: [])
            Issue.record("decoded with the wrong key")
        } catch {
            #expect(error.code == JSONRPCErrorCode.invalidParams)
        }
    }

    /// Changing any one character of a valid cursor makes it invalid (the MAC covers every byte).
    @Test func everyAlterationRefused() {
        let text = Array(MCPAggregateCursor(pending: [.init(server: "docs", cursor: "next")]).encode(key: key).utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for i in text.indices {
            var t = text
            t[i] = alphabet[(alphabet.firstIndex(of: t[i])! + 1) % alphabet.count]
            #expect(throws: JSONRPCReadError.self) { try MCPAggregateCursor.decode(String(decoding: t, as: UTF8.self), key: key) }
        }
    }

    /// Garbage of every kind is an error, never a crash: empty, wrong alphabet, padding, bad
    /// lengths, truncations, huge input, and a forged payload with a MAC of the wrong key.
    @Test func garbageRefused() {
        var inputs = ["", "=", "a", "ab", "abc=", "!!!!", "a+b/", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "é", "\u{0}",
                      String(repeating: "A", count: MCPAggregateCursor.maxEncodedBytes + 4)]
        let good = MCPAggregateCursor(pending: [.init(server: "docs", cursor: "2")]).encode(key: key)
        for n in 0..<good.count { inputs.append(String(good.prefix(n))) }
        // Valid base64url of a well-formed payload, signed with the wrong key: forged.
        let payload = Array(#"{"v":1,"p":[["admin","x"]]}"#.utf8)
        inputs.append(Base64.encodeURL(payload + MCPAggregateCursor.mac(key: Array("guess".utf8), payload)))
        for text in inputs {
            #expect(throws: JSONRPCReadError.self) { try MCPAggregateCursor.decode(text, key: key) }
        }
    }

    /// Payloads that carry a valid MAC but a wrong shape are still refused (bad server names,
    /// duplicates, wrong types, empty or unknown version).
    @Test func signedButMalformedRefused() {
        let bad = [#"{"v":2,"p":[["a","x"]]}"#, #"{"v":1,"p":[]}"#, #"{"v":1,"p":[["a_b","x"]]}"#, #"{"v":1,"p":[["a","x"],["a","y"]]}"#,
                   #"{"v":1,"p":[["a",1]]}"#, #"{"v":1,"p":[["a"]]}"#, #"{"v":1}"#, #"[1]"#, #"{"v":1,"p":[[[[["a"]]]]]}"#, "not json"]
        for p in bad {
            let payload = Array(p.utf8)
            let text = Base64.encodeURL(payload + MCPAggregateCursor.mac(key: key, payload))
            #expect(throws: JSONRPCReadError.self) { try MCPAggregateCursor.decode(text, key: key) }
        }
    }

    /// base64url round-trips every length and refuses non-canonical spellings.
    @Test func base64URL() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let text = Base64.encodeURL(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64.decodeURL(text) == bytes)
        }
        #expect(Base64.decodeURL("AB") == nil)  // the last character has bits set that encode would not
        #expect(Base64.decodeURL("AA") == [0])
        #expect(Base64.decodeURL("AA==") == nil)
        #expect(Base64.decodeURL("A") == nil)
    }
}
