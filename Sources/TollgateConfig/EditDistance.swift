/// Levenshtein distance for "did you mean ...?" suggestions on unknown keys and values.
enum EditDistance {
    /// Inputs are cut to 64 characters: keys are short, and a hostile file must not make the
    /// quadratic table expensive.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars.prefix(64))
        let y = Array(b.lowercased().unicodeScalars.prefix(64))
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var row = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            row[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &row)
        }
        return previous[y.count]
    }

    /// The closest candidate if it is close enough to be a plausible typo: at most a third
    /// of the word's length (and at least one edit) away.
    static func suggestion(for word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word, c)
            if d <= max(1, min(word.count, c.count) / 3), d < (best?.1 ?? Int.max) {
                best = (c, d)
            }
        }
        return best?.0
    }
}
