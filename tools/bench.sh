#!/usr/bin/env bash
# Build svcsync as it is installed (RelWithDebInfo, warnings as errors) in
# build-bench/ and run the benchmark tool; see docs/benchmarks.md.
#
#   ./tools/bench.sh --all                      every measurement (a few minutes)
#   ./tools/bench.sh import --tickets 100000    one of them (--help lists them)
#
# Results are Markdown on stdout, progress on stderr. Every run works in a
# fresh directory under /tmp (or --dir BASE), binds 127.0.0.1 only, stops the
# daemons it started and removes its files. Installs the Debian packages it
# needs when they are missing. SVC_BENCH_BUILD and SVC_BENCH_BUILD_TYPE
# override the build directory and type.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh

dir=${SVC_BENCH_BUILD:-build-bench}
case "${1:-}" in
	"")
		sed -n '2,12p' "$0" >&2
		exit 2
		;;
	-h|--help)
		sed -n '2,12p' "$0"
		if [ -x "$dir/bin/svcsync-bench" ]; then echo; "$dir/bin/svcsync-bench" --help; fi
		exit 0
		;;
esac

svc_deps_install
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="${SVC_BENCH_BUILD_TYPE:-RelWithDebInfo}" \
	-DSVC_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target svcsync-bench >&2
exec "$dir/bin/svcsync-bench" "$@"
