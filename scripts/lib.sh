# scripts/lib.sh - shared by start.sh, test.sh, fuzz.sh and .ci/run: install
# what is missing (Debian 12 packages), copy the checkout and build out of
# tree, find PostgreSQL.
#
# The scripts are guests on the machine: they install packages, but never
# stop, start or reconfigure a service the user runs (Debian's PostgreSQL
# cluster, nginx, ...), and they leave the checkout exactly as they found it
# (everything is built from a copy of it in a temporary directory).
# shellcheck shell=bash

# Every package is named explicitly: apt-get runs with
# --no-install-recommends, so nothing may rely on a Recommends.
BUILD_PACKAGES="autoconf automake libtool pkg-config make gcc libc6-dev
 libfcgi-dev libpq-dev libyajl-dev libssl-dev libargon2-dev libcrypt-dev
 libcurl4-openssl-dev git"
RUN_PACKAGES="postgresql nginx openssl perl libio-socket-ssl-perl procps curl
 libcurl4"
# systemd: systemd-analyze and systemd-socket-activate for 30-systemd.t (the
# package works without being PID 1).  nodejs, npm: spectral, the OpenAPI
# linter.  python3-aiosmtpd: the SMTP server the mailer tests send to
# (tests/lib/SmtpSink.pm).
TEST_PACKAGES="valgrind libyaml-libyaml-perl libjson-validator-perl systemd
 nodejs npm patroni etcd-server python3-aiosmtpd"
# clang alone cannot link -fsanitize=fuzzer,address: libFuzzer and the
# sanitizer runtimes are in libclang-rt-14-dev (only a Recommends of clang).
FUZZ_PACKAGES="clang libclang-rt-14-dev"
# scripts/scan.sh only (release checks, not CI).
SCAN_PACKAGES="sqlmap testssl.sh slowhttptest"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The checkout these scripts belong to.
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root or sudo to run: $*"; fi
}

# Installs the Debian packages among "$@" that are neither installed nor
# provided by an installed package (e.g. npm by NodeSource's nodejs, which
# conflicts with Debian's npm: installing that would replace the user's
# nodejs).
ensure_packages() {
	local missing=() have p
	have=$(dpkg-query -W -f='${Status}\t${Package}\t${Provides}\n' 2>/dev/null |
	    awk -F'\t' '$1 ~ /install ok installed/ {
		print $2; n = split($3, a, /, */)
		for (i = 1; i <= n; i++) { sub(/ .*/, "", a[i]); print a[i] } }')
	for p in "$@"; do
		# A here-string, not a pipe: under pipefail, grep -q quitting
		# early would fail the pipe with printf's SIGPIPE.
		grep -qx -- "$p" <<<"$have" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
	    die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null ||
	    die "apt-get install failed"
}

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# port_free PORT: true if nothing listens on 127.0.0.1:PORT (nor on the
# wildcard address), i.e. nginx could bind it.
port_free() {
	perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(Listen => 1,
	    LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Proto => "tcp",
	    ReuseAddr => 1) ? 0 : 1)' "$1"
}

# copy_source DIR: a copy of the checkout in DIR (git's tracked and
# untracked-but-not-ignored files, so local edits are built; the whole tree
# when it is not a git checkout), with autoreconf run there when it has no
# configure.  Sets SRC_COPY=DIR.  The checkout itself is only read.
copy_source() {
	local dest=$1
	mkdir -p "$dest"
	if git -c safe.directory='*' -C "$SRC" rev-parse --is-inside-work-tree \
	    >/dev/null 2>&1; then
		(cd "$SRC" && git -c safe.directory='*' ls-files -z --cached \
		    --others --exclude-standard |
		    tar --null --no-recursion --ignore-failed-read -T - -cf - \
		    2>/dev/null) | tar -xf - -C "$dest" ||
		    die "copying the checkout to $dest failed"
	else
		cp -a "$SRC/." "$dest/" || die "copying $SRC to $dest failed"
	fi
	if [ ! -x "$dest/configure" ]; then
		(cd "$dest" && autoreconf -fi >autoreconf.log 2>&1) ||
		    die "autoreconf failed (see $dest/autoreconf.log)"
	fi
	SRC_COPY=$dest
}

# build DIR [configure flags...]: configure and make in DIR, out of tree,
# from SRC_COPY (copy_source first).
build() {
	local dir=$1
	shift
	[ -n "${SRC_COPY:-}" ] || die "build: copy_source was not called"
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$SRC_COPY/configure" -q "$@"; } &&
	    make -s -j"$(nproc)" >/dev/null) || die "build failed in $dir"
}

# For bench/run-*.sh: installs what a benchmark needs (and "$@"), copies the
# checkout to a temporary directory that is removed on exit, and builds it
# optimised there.  Sets BENCH_BUILD (the build directory; SRC_COPY is the
# source copy).
bench_build() {
	ensure_packages $BUILD_PACKAGES $RUN_PACKAGES wrk "$@"
	BENCH_DIR=$(mktemp -d /tmp/cexup-bench.XXXXXX)
	trap 'rm -rf "$BENCH_DIR"' EXIT
	copy_source "$BENCH_DIR/src"
	BENCH_BUILD=$BENCH_DIR/build
	build "$BENCH_BUILD" CFLAGS="-O2 -g"
}
