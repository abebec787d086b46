# shellcheck shell=bash
# Shared by bench/load.sh and bench/instructions.sh (sourced, not run): messages, installing the
# Debian tools a benchmark needs, and building (or taking) the release binary.

say() { printf '%s\n' "$*" >&2; }

# install_missing PACKAGE...: installs the given Debian packages (apt-get, bounded in time).
install_missing() {
    (($#)) || return 0
    say "installing $* (Debian packages)"
    local sudo=
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    timeout 300 $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -qq "$@" >/dev/null
}

# release_binary ROOT: sets BIN to $BENCH_BIN, or builds the release binary and sets BIN to it.
release_binary() {
    if [[ -n ${BENCH_BIN:-} ]]; then
        BIN=$BENCH_BIN
    else
        say "building the release binary"
        (cd "$1" && timeout 1200 cargo build --release --quiet --bin zoom-signer)
        local target_dir=${CARGO_TARGET_DIR:-target}
        [[ $target_dir == /* ]] || target_dir=$1/$target_dir
        BIN=$target_dir/release/zoom-signer
    fi
    [[ -x $BIN ]] || { say "no binary at $BIN"; exit 1; }
}
