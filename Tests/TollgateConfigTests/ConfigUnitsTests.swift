import Testing
@testable import TollgateConfig

struct ConfigUnitsTests {
    /// Duration units, compound forms and limits, in nanoseconds.
    @Test func durations() {
        #expect(ConfigUnits.durationNanoseconds("1ns") == .value(1))
        #expect(ConfigUnits.durationNanoseconds("2us") == .value(2_000))
        #expect(ConfigUnits.durationNanoseconds("2µs") == .value(2_000))
        #expect(ConfigUnits.durationNanoseconds("1d") == .value(86_400_000_000_000))
        #expect(ConfigUnits.durationNanoseconds("0.5") == .value(500_000_000))
        #expect(ConfigUnits.durationNanoseconds("1m30s") == .value(90_000_000_000))
        #expect(ConfigUnits.durationNanoseconds("0.000000000001s") == .value(0))
        #expect(ConfigUnits.durationNanoseconds("9223372036s") == .value(9_223_372_036_000_000_000))
        #expect(ConfigUnits.durationNanoseconds("9223372037s") == .invalid("duration too large"))
        #expect(ConfigUnits.durationNanoseconds("99999999999999999999999h") == .invalid("expected a number"))
        #expect(ConfigUnits.durationNanoseconds("") == .invalid("empty duration"))
        #expect(ConfigUnits.durationNanoseconds("s") == .invalid("expected a number"))
        #expect(ConfigUnits.durationNanoseconds("1.s") == .value(1_000_000_000))
    }

    /// Byte units: decimal and binary, fractions, overflow.
    @Test func sizes() {
        #expect(ConfigUnits.byteCount("0") == .value(0))
        #expect(ConfigUnits.byteCount("1k") == .value(1_000))
        #expect(ConfigUnits.byteCount("1KiB") == .value(1_024))
        #expect(ConfigUnits.byteCount("1 GB") == .value(1_000_000_000))
        #expect(ConfigUnits.byteCount("0.5MiB") == .value(524_288))
        #expect(ConfigUnits.byteCount("8388608TiB") == .invalid("size too large"))
        #expect(ConfigUnits.byteCount("1.123456789123456789123TiB") == .value(1_235_253_802_945))
        #expect(ConfigUnits.byteCount("x") == .invalid("expected a number"))
    }
}
