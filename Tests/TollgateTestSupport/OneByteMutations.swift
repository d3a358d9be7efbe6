/// Bytes a JSON reader meets in broken documents: structure, quotes, escapes, digits, literal
/// letters, NUL and bytes that start or break UTF-8.
public let jsonMutationAlphabet: [UInt8] = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0xC3, 0xFF]

/// `count` copies of `bytes`, each with one byte deleted, replaced by one from `alphabet`, or
/// duplicated, at a random position (none for empty input): the agreement tests' way of
/// reaching the error paths next to a fixture.
public func oneByteMutations(of bytes: [UInt8], count: Int, alphabet: [UInt8] = jsonMutationAlphabet) -> [[UInt8]] {
    guard !bytes.isEmpty else { return [] }
    var rng = SystemRandomNumberGenerator()
    return (0..<count).map { _ in
        var m = bytes
        let i = Int.random(in: 0..<m.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: m.remove(at: i)
        case 1: m[i] = alphabet.randomElement(using: &rng)!
        default: m.insert(m[i], at: i)
        }
        return m
    }
}

/// `oneByteMutations` of a string's UTF-8.
public func oneByteMutations(of text: String, count: Int, alphabet: [UInt8] = jsonMutationAlphabet) -> [[UInt8]] {
    oneByteMutations(of: Array(text.utf8), count: count, alphabet: alphabet)
}
