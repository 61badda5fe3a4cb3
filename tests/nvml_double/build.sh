#!/usr/bin/env bash
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Build the NVML test double: tests/nvml_double/build.sh OUTDIR -> OUTDIR/libnvidia-ml.so.1
# Idempotent: rebuilds only when fake_nvml.c is newer than the library. Needs gcc (CC to
# override). Use it with LD_LIBRARY_PATH=OUTDIR set before the process that loads NVML starts,
# or copy the library into the loader path of a container (see tests/nvml_double/README.md).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
src="$(cd "$(dirname "$0")" && pwd)/fake_nvml.c"
out="$1/libnvidia-ml.so.1"
mkdir -p "$1"
if [[ -f "$out" && "$out" -nt "$src" ]]; then
    exit 0
fi
# Build next to the target and rename, so a concurrent reader never sees half a library.
tmp="$(mktemp "$1/.libnvidia-ml.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
"${CC:-gcc}" -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -shared -fPIC \
    -fvisibility=hidden -Wl,-soname,libnvidia-ml.so.1 -o "$tmp" "$src"
chmod 0755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
