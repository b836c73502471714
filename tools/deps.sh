# Sourced by tools/check and tools/demo: install the Debian 12 packages svcsync
# needs, once, and only those that are missing. Needs root (or sudo) the first time.
svc_deps_install() {
	local pkgs="build-essential cmake pkg-config libzmq3-dev liblmdb-dev libprotobuf-c-dev
		protobuf-c-compiler libsodium-dev libinih-dev libjansson-dev libsystemd-dev
		python3 lmdb-utils faketime clang-format tzdata $*"
	local missing=""
	local p
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing:$missing" >&2
	$sudo apt-get update -q >&2 || return 1
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing >&2
}
