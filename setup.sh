#!/bin/sh
# Installs what drsim needs on Debian 12 and is missing: compiler, cmake, pkg-config and the
# -dev packages of the libraries it links, and what the tests and benchmarks use (SimPy for the
# kernel benchmark's comparison, Chromium and Node.js to render the HTML report headless, clang and
# its sanitizer and libFuzzer runtimes for the loader fuzzers of tests/fuzz, PyYAML to read the
# Kubernetes example in tests/cluster). Slurm and munge for the Slurm test are installed by that test.
# Safe to run again; installs nothing already present.
set -eu

pkgs="build-essential cmake pkg-config libevent-dev libsqlite3-dev libgsl-dev libjansson-dev \
zlib1g-dev libcmocka-dev python3 python3-simpy3 sqlite3 chromium nodejs clang libclang-rt-dev \
python3-yaml"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing$missing"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi
