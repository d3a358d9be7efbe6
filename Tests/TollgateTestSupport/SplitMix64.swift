/// The tests' one deterministic generator is the one production seeds per loop, so a failing
/// property test reproduces from its seed.
@_exported import struct TollgateRouting.SplitMix64
