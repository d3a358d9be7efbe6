#!/usr/bin/env bash
# Builds and runs the libFuzzer target for the sync wire decoder.
#   Tests/Fuzz/SyncWireFuzz.sh [seconds]   (default 60; extra args go to libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.build/fuzz-syncwire
mkdir -p "$OUT/corpus"
SECS=${1:-60}; shift || true
swiftc -module-name TollgateCrypto -parse-as-library -O -I Sources/COpenSSL \
  -emit-module -emit-module-path "$OUT/TollgateCrypto.swiftmodule" \
  -emit-library -static -o "$OUT/libTollgateCrypto.a" Sources/TollgateCrypto/*.swift
# The simulator's report writes JSON with TollgateJSON (no imports of its own).
swiftc -module-name TollgateJSON -parse-as-library -O \
  -emit-module -emit-module-path "$OUT/TollgateJSON.swiftmodule" \
  -emit-library -static -o "$OUT/libTollgateJSON.a" Sources/TollgateJSON/*.swift
swiftc -module-name TollgateSync -parse-as-library -O -g -sanitize=fuzzer,address \
  -I "$OUT" -I Sources/COpenSSL -L "$OUT" -lTollgateCrypto -lTollgateJSON -lcrypto \
  $(find Sources/TollgateSync -name '*.swift') Tests/Fuzz/SyncWireFuzz.swift -o "$OUT/syncwire-fuzz"
# Seed corpus: one valid payload per message type (odd first byte = payload mode).
if [ -z "$(ls -A "$OUT/corpus")" ]; then
  printf '\x01\x09\x02s1\x01\x05' > "$OUT/corpus/leaseAck"
  printf '\x01\x0c\x02s1\x01\x02s2\x07' > "$OUT/corpus/pingReq"
  printf '\x01\x04\x02s1\x01\x01\x04team\x07\x02s1\x01\x02c0\x02\xd0\x0f\x20\x40' > "$OUT/corpus/leaseReturn"
fi
"$OUT/syncwire-fuzz" -max_total_time="$SECS" -print_final_stats=1 "$@" "$OUT/corpus" Tests/Fuzz/SyncWireCorpus
