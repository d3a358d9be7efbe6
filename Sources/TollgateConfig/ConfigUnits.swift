/// Parsing of the unit-suffixed scalars configs are full of: durations ("30s", "1h30m",
/// "500ms", a plain number meaning seconds) and byte sizes ("32MiB", "64KB", a plain number
/// meaning bytes). Integer arithmetic with overflow checks, so "99999999999h" is an error and
/// not a trap or a silent wrap.
enum ConfigUnits {
    enum Parsed: Equatable {
        case value(Int64)
        /// Why the text is not a valid value, for the error message.
        case invalid(String)
    }

    /// Nanoseconds in a duration, or a reason it is not one.
    static func durationNanoseconds(_ text: String) -> Parsed {
        let s = Array(text.unicodeScalars)
        guard !s.isEmpty else { return .invalid("empty duration") }
        if s.first == "-" { return .invalid("a duration cannot be negative") }
        var i = 0
        var total: Int64 = 0
        var parts = 0
        while i < s.count {
            guard let number = readNumber(s, &i) else {
                return .invalid("expected a number")
            }
            while i < s.count, s[i] == " " { i += 1 }
            var unitEnd = i
            while unitEnd < s.count, s[unitEnd].properties.isAlphabetic || s[unitEnd] == "µ" { unitEnd += 1 }
            let unit = String(String.UnicodeScalarView(s[i..<unitEnd]))
            i = unitEnd
            let scale: Int64
            switch unit {
            case "": 
                // A bare number is seconds, but only on its own: "1h30" is a typo, not 1h30s.
                guard parts == 0, i == s.count else { return .invalid("missing unit after a number") }
                scale = 1_000_000_000
            case "ns": scale = 1
            case "us", "µs": scale = 1_000
            case "ms": scale = 1_000_000
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            case "d": scale = 86_400_000_000_000
            default: return .invalid("unknown unit '\(unit)' (use ms, s, m, h or d)")
            }
            guard let n = number.scaled(by: scale) else { return .invalid("duration too large") }
            let (sum, overflow) = total.addingReportingOverflow(n)
            if overflow { return .invalid("duration too large") }
            total = sum
            parts += 1
        }
        return .value(total)
    }

    /// Bytes in a size, or a reason it is not one. KB/MB/GB/TB are powers of 1000, KiB/MiB/
    /// GiB/TiB powers of 1024, as the units say.
    static func byteCount(_ text: String) -> Parsed {
        let s = Array(text.unicodeScalars)
        guard !s.isEmpty else { return .invalid("empty size") }
        if s.first == "-" { return .invalid("a size cannot be negative") }
        var i = 0
        guard let number = readNumber(s, &i) else { return .invalid("expected a number") }
        while i < s.count, s[i] == " " { i += 1 }
        let unit = String(String.UnicodeScalarView(s[i...])).lowercased()
        let scale: Int64
        switch unit {
        case "", "b": scale = 1
        case "kb", "k": scale = 1_000
        case "mb", "m": scale = 1_000_000
        case "gb", "g": scale = 1_000_000_000
        case "tb", "t": scale = 1_000_000_000_000
        case "kib", "ki": scale = 1 << 10
        case "mib", "mi": scale = 1 << 20
        case "gib", "gi": scale = 1 << 30
        case "tib", "ti": scale = 1 << 40
        default: return .invalid("unknown unit '\(String(String.UnicodeScalarView(s[i...])))' (use B, KB, MB, GB, KiB, MiB or GiB)")
        }
        guard let n = number.scaled(by: scale) else { return .invalid("size too large") }
        return .value(n)
    }

    /// A decimal number as whole part plus up to 18 fraction digits, so "1.5" scales exactly.
    struct Decimal {
        var whole: Int64
        var fraction: Int64
        var fractionDigits: Int

        func scaled(by scale: Int64) -> Int64? {
            let (w, o1) = whole.multipliedReportingOverflow(by: scale)
            if o1 { return nil }
            var divisor: UInt64 = 1
            for _ in 0..<fractionDigits { divisor *= 10 }
            // fraction < divisor, so fraction * scale / divisor < scale: the 128-bit
            // intermediate cannot make the quotient overflow.
            let product = UInt64(fraction).multipliedFullWidth(by: UInt64(scale))
            let part = Int64(divisor.dividingFullWidth(product).quotient)
            let (sum, o2) = w.addingReportingOverflow(part)
            return o2 ? nil : sum
        }
    }

    static func readNumber(_ s: [Unicode.Scalar], _ i: inout Int) -> Decimal? {
        var whole: Int64 = 0
        var digits = 0
        while i < s.count, let d = digit(s[i]) {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            whole = a
            digits += 1
            i += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < s.count, s[i] == "." {
            i += 1
            while i < s.count, let d = digit(s[i]) {
                if fractionDigits < 18 {
                    fraction = fraction * 10 + d
                    fractionDigits += 1
                }
                digits += 1
                i += 1
            }
        }
        return digits == 0 ? nil : Decimal(whole: whole, fraction: fraction, fractionDigits: fractionDigits)
    }

    private static func digit(_ c: Unicode.Scalar) -> Int64? {
        c.value >= 0x30 && c.value <= 0x39 ? Int64(c.value - 0x30) : nil
    }
}
