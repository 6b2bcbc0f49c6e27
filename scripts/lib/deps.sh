# deps.sh - install the Debian packages a task needs (sourced by scripts/).
#
# deps_install GROUP...: GROUP is build, run, test, fuzz or bench (the benchmark
# suite, tests/bench/run: the load generator wrk, perf for profiles, python3). Packages already
# installed are not touched, so a second run costs nothing and needs no
# network; missing ones are installed with apt-get (root required).

DEPS_BUILD="gcc make cmake pkg-config libevent-dev libpq-dev libxml2-dev libssl-dev zlib1g-dev libhttp-parser-dev libxslt1-dev libjansson-dev libutf8proc-dev iso-codes"
DEPS_RUN="postgresql postgresql-client"
# chromium + fonts-khmeros: the browser-view test renders pages in headless
# Chromium, with Khmer glyphs; xsltproc applies the stylesheet offline.
DEPS_TEST="libcmocka-dev libxml2-utils python3 python3-lxml libhttp-oai-perl clang-format curl chromium fonts-khmeros xsltproc valgrind"
DEPS_BENCH="wrk linux-perf python3 procps"
# clang with libFuzzer and the sanitizer runtimes (libclang-rt-14-dev holds
# libclang_rt.fuzzer for Debian 12's clang 14), llvm for llvm-symbolizer
# (readable stack traces in crash reports).
DEPS_FUZZ="clang libclang-rt-14-dev llvm"

deps_install() {
    local wanted="" missing="" p
    for group in "$@"; do
        case "$group" in
            build) wanted="$wanted $DEPS_BUILD" ;;
            run) wanted="$wanted $DEPS_RUN" ;;
            test) wanted="$wanted $DEPS_TEST" ;;
            bench) wanted="$wanted $DEPS_BENCH" ;;
            fuzz) wanted="$wanted $DEPS_FUZZ" ;;
            *) echo "deps_install: unknown group '$group'" >&2; return 2 ;;
        esac
    done
    for p in $wanted; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "These Debian packages are missing:$missing" >&2
        echo "Run this command as root (sudo) so it can install them." >&2
        return 1
    fi
    echo "Installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || return 1
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null || return 1
}
