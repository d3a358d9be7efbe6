import Testing
import TollgateCrypto
@testable import TollgateSync

struct WireCodecTests {
    /// Every message type survives encode then decode unchanged.
    @Test(arguments: Fx.allMessages)
    func roundTrip(_ m: SyncMessage) throws {
        var codec = WireCodec(keyring: Fx.keyring)
        let bytes = codec.encode(m)
        let (back, used) = try codec.decode(bytes)
        #expect(back == m)
        #expect(used == bytes.count)
        #expect(WireCodec.frameLength(bytes[...]) == bytes.count)
    }

    /// Every proper prefix of a frame is rejected as truncated, never decoded or trapped on.
    @Test func everyTruncationPoint() {
        var codec = WireCodec(keyring: Fx.keyring)
        for m in Fx.allMessages {
            let bytes = codec.encode(m)
            for cut in 0..<bytes.count {
                #expect(throws: WireError.self) { try codec.decode(bytes[0..<cut]) }
                if cut >= 3 {
                    do { _ = try codec.decode(bytes[0..<cut]); Issue.record("decoded a prefix") } catch { #expect(error.code == .truncated) }
                }
            }
        }
        #expect(codec.rejected.isEmpty)   // truncation is "read more", not counted
    }

    /// Flipping any single bit of a frame is detected (MAC, magic, version, key or length).
    @Test func everyBitFlip() {
        var codec = WireCodec(keyring: Fx.keyring)
        let bytes = codec.encode(Fx.allMessages[4])
        for i in 0..<bytes.count {
            for bit in 0..<8 {
                var b = bytes
                b[i] ^= UInt8(1 << bit)
                do {
                    _ = try codec.decode(b)
                    Issue.record("bit \(bit) of byte \(i) went undetected")
                } catch {
                    #expect(error.code != .trailingBytes)
                }
            }
        }
        #expect((codec.rejected[.badMAC] ?? 0) > 0)
    }

    /// Frames signed with the previous key are accepted after a rotation; with a retired key not.
    @Test func keyRotation() throws {
        let old = WireCodec(keyring: Fx.keyring)
        var ring = Fx.keyring
        ring.rotate(to: 2, secret: Array("new secret".utf8))
        var new = WireCodec(keyring: ring)
        let m = Fx.allMessages[0]
        #expect(try new.decode(old.encode(m)).0 == m)        // old key still accepted
        #expect(try new.decode(new.encode(m)).0 == m)        // new key
        #expect(new.encode(m)[3] == 2)
        ring.retirePrevious()
        var retired = WireCodec(keyring: ring)
        #expect(throws: WireError(.unknownKeyID, at: 3)) { try retired.decode(old.encode(m)) }
        #expect(retired.rejected[.unknownKeyID] == 1)
        // A third rotation drops the oldest key.
        var r3 = Fx.keyring
        r3.rotate(to: 2, secret: [1])
        r3.rotate(to: 3, secret: [2])
        #expect(r3.acceptedKeyIDs == [2, 3])
    }

    /// A frame signed with a different secret under the same key id is a bad MAC.
    @Test func wrongSecret() {
        let other = WireCodec(keyring: WireKeyring(keyID: 1, secret: [9, 9, 9]))
        var codec = WireCodec(keyring: Fx.keyring)
        #expect(throws: WireError.self) { try codec.decode(other.encode(Fx.allMessages[1])) }
        #expect(codec.rejected[.badMAC] == 1)
    }

    /// Unknown versions (the previous format 1 and a future 3) and bad magic are rejected and counted.
    @Test func unknownVersionAndMagic() {
        var codec = WireCodec(keyring: Fx.keyring)
        #expect(WireCodec.version == 2)
        var b = codec.encode(Fx.allMessages[2])
        b[2] = 1
        #expect(throws: WireError(.unsupportedVersion, at: 2)) { try codec.decode(b) }
        b[2] = 3
        #expect(throws: WireError(.unsupportedVersion, at: 2)) { try codec.decode(b) }
        b[0] = 0
        #expect(throws: WireError(.badMagic, at: 0)) { try codec.decode(b) }
        #expect(codec.rejected[.unsupportedVersion] == 2 && codec.rejected[.badMagic] == 1)
    }

    /// A version 1 frame (before coordinator-set terms), correctly authenticated, is refused as
    /// an unsupported version before its payload is parsed.
    @Test func previousVersionFrameRejected() {
        var codec = WireCodec(keyring: Fx.keyring)
        let payload: [UInt8] = [9, 2, 0x73, 0x31, 1, 1]   // leaseAck(s1#1, token 1) in version 1
        var f: [UInt8] = [0x54, 0x47, 1, 1, 0, 0, 0, UInt8(payload.count)] + payload
        f += Digest.hmacSHA256(key: Fx.secret, message: f)
        #expect(throws: WireError(.unsupportedVersion, at: 2)) { try codec.decode(f) }
        #expect(codec.rejected[.unsupportedVersion] == 1)
        f[2] = WireCodec.version
        f.removeLast(32)
        f += Digest.hmacSHA256(key: Fx.secret, message: f)
        #expect((try? codec.decode(f))?.0 == .leaseAck(LeaseAck(from: Fx.s1, token: 1)))
    }

    /// Authenticated payloads with an unknown type, trailing bytes or bad fields get typed errors.
    @Test func authenticatedButMalformed() {
        var codec = WireCodec(keyring: Fx.keyring)
        func frame(_ payload: [UInt8]) -> [UInt8] {
            let n = payload.count
            var f: [UInt8] = [0x54, 0x47, WireCodec.version, 1, UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + payload
            f += Digest.hmacSHA256(key: Fx.secret, message: f)
            return f
        }
        #expect(throws: WireError(.unknownMessageType, at: 8)) { try codec.decode(frame([99])) }
        let good = codec.encode(.leaseAck(LeaseAck(from: Fx.s1, token: 1)))
        let payload = Array(good[8..<(good.count - 32)])
        #expect(throws: WireError.self) { try codec.decode(frame(payload + [0])) }
        #expect(codec.rejected[.trailingBytes] == 1)
        // varint that never ends, absurd counts, invalid UTF-8
        #expect(throws: WireError.self) { try codec.decode(frame([9] + Array(repeating: 0xFF, count: 12))) }
        #expect(throws: WireError.self) { try codec.decode(frame([4, 2, 0x73, 0x31, 1, 0xFF, 0xFF, 0xFF, 0x0F])) }
        #expect(throws: WireError.self) { try codec.decode(frame([9, 2, 0xC3, 0x28, 1, 1])) }
        #expect(codec.rejected[.malformed] == 3)
        #expect(codec.rejected[.unknownMessageType] == 1)
    }

    /// Oversized length fields are refused before any allocation.
    @Test func frameTooLarge() {
        var codec = WireCodec(keyring: Fx.keyring)
        let b: [UInt8] = [0x54, 0x47, WireCodec.version, 1, 0x7F, 0xFF, 0xFF, 0xFF]
        #expect(throws: WireError(.frameTooLarge, at: 4)) { try codec.decode(b) }
    }

    /// Two frames back to back decode one after the other (length-prefixed stream use).
    @Test func streamOfFrames() throws {
        var codec = WireCodec(keyring: Fx.keyring)
        let a = codec.encode(Fx.allMessages[0]), b = codec.encode(Fx.allMessages[8])
        let stream = a + b
        let (m1, n1) = try codec.decode(stream[...])
        let (m2, n2) = try codec.decode(stream[n1...])
        #expect(m1 == Fx.allMessages[0] && m2 == Fx.allMessages[8] && n1 + n2 == stream.count)
    }

    /// Deterministic mutation fuzzing: random corruptions of valid frames never trap, and a
    /// frame re-signed after mutation either decodes or fails with a typed error.
    @Test func mutationFuzz() {
        var rng = SeededRandom(seed: 7)
        var codec = WireCodec(keyring: Fx.keyring)
        let frames = Fx.allMessages.map { codec.encode($0) }
        var decoded = 0
        for _ in 0..<3_000 {
            var f = frames[rng.below(frames.count)]
            let payloadEnd = f.count - 32
            for _ in 0..<(1 + rng.below(4)) where payloadEnd > 8 {
                let i = 8 + rng.below(payloadEnd - 8)
                switch rng.below(3) {
                case 0: f[i] ^= UInt8(1 << rng.below(8))
                case 1: f[i] = UInt8(truncatingIfNeeded: rng.next())
                default: f[i] = 0xFF
                }
            }
            // Re-sign so the mutation reaches the payload parser.
            let body = Array(f[0..<payloadEnd])
            f = body + Digest.hmacSHA256(key: Fx.secret, message: body)
            if (try? codec.decode(f)) != nil { decoded += 1 }
        }
        #expect(decoded + codec.rejected.values.reduce(0, +) == 3_000)
    }
}

struct WireFuzzRegressionTests {
    /// libFuzzer crash-a57d1c82: count limits assumed too large a minimum entry size, so a
    /// re-encoded (canonical, shorter) frame was rejected; now every decoded frame re-decodes.
    @Test func fuzzCrashA57d1c82() throws {
        let payload: [UInt8] = [0x04, 0x02, 0x73, 0x30, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x00, 0x00, 0x01, 0x30, 0x20, 0x40]
        var codec = WireCodec(keyring: Fx.keyring)
        let n = payload.count
        var f: [UInt8] = [0x54, 0x47, WireCodec.version, 1, 0, 0, 0, UInt8(n)] + payload
        f += Digest.hmacSHA256(key: Fx.secret, message: f)
        let (m, _) = try codec.decode(f)
        let again = codec.encode(m)
        let (back, _) = try codec.decode(again)
        #expect(back == m, "\(m) vs \(back)")
    }
}
