#!/usr/bin/env bash
# check_format: every C file of the project is in the one format of
# .clang-format, so a diff shows what changed and not who edited it.
#
#   check_format.sh SOURCE_DIR     fails listing each file that drifts
#   clang-format -i FILE...        is the fix
#
# Before it trusts a pass, it shows that clang-format flags a file that is
# out of format here (a check that cannot fail would pass everything).
set -euo pipefail
src=${1:?usage: check_format.sh SOURCE_DIR}
cf=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$cf" ] || { echo "check_format: clang-format not found (tools/deps.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src/.clang-format" "$tmp/"
printf 'int  f( void ){return 0 ;}\n' > "$tmp/bad.c"
if "$cf" --dry-run -Werror "$tmp/bad.c" 2>/dev/null; then
	echo "check_format: $cf passed a misformatted file: the check would not check" >&2
	exit 1
fi

cd "$src"
mapfile -t files < <(find lib daemon tools tests -name '*.[ch]' | sort)
bad=()
for f in "${files[@]}"; do
	"$cf" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
	printf 'check_format: not in .clang-format format (fix: clang-format -i FILE): %s\n' "${bad[@]}"
	exit 1
fi
echo "check_format: ${#files[@]} files in format ($("$cf" --version | head -1))"
