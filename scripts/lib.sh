# scripts/lib.sh - shared by start.sh, test.sh and .ci/run: install what is
# missing (Debian 12 packages), build out of tree, find PostgreSQL.
# shellcheck shell=bash

BUILD_PACKAGES="autoconf automake libtool pkg-config make gcc libc6-dev
 libfcgi-dev libpq-dev libyajl-dev libssl-dev libargon2-dev libcrypt-dev"
RUN_PACKAGES="postgresql nginx openssl perl libio-socket-ssl-perl procps curl"
TEST_PACKAGES="valgrind libyaml-libyaml-perl"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root or sudo to run: $*"; fi
}

# Installs the Debian packages among "$@" that are not installed yet.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
	    die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null ||
	    die "apt-get install failed"
}

# Debian's postgresql package starts a system cluster we do not use.
stop_system_postgres() {
	if command -v pg_lsclusters >/dev/null &&
	    pg_lsclusters -h 2>/dev/null | grep -q online; then
		as_root pg_ctlcluster --force "$(pg_lsclusters -h | awk 'NR==1{print $1}')" \
		    main stop >/dev/null 2>&1 || true
	fi
}

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# build DIR [configure flags...]: configure and make in DIR (out of tree).
build() {
	local dir=$1 src
	shift
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1) ||
	    die "autoreconf failed"
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$src/configure" -q "$@"; } &&
	    make -s -j"$(nproc)" >/dev/null) || die "build failed in $dir"
}
