#!/usr/bin/env bash
# Builds the WAL replayer fuzzer with libFuzzer + ASan and runs it.
#   Tests/Fuzz/WALFuzz.sh [seconds]        (default 60)
# The corpus starts empty; libFuzzer finds the frame format from the CRC comparisons.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
out=.build/wal-fuzz
mkdir -p "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -module-name WALFuzz -O \
    Sources/TollgateBudget/*.swift Tests/Fuzz/WALReplayerFuzz.swift -o "$out/wal-fuzz"
"$out/wal-fuzz" -max_total_time="$secs" -max_len=4096 "$out/corpus"
