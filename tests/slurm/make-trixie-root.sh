#!/usr/bin/env bash
# make-trixie-root.sh - makes (once) and caches the Debian 13 root with Slurm 24.11 that start-slurm-24.sh runs in:
# debootstrap from the host's Debian mirror, then Slurm's Debian packages inside. About 2 minutes and 430 MB the
# first time; later calls return at once. Built in a temporary folder and renamed when complete, so an interrupted
# build never leaves a half-made root behind; concurrent calls wait for each other (flock).
#
#   tests/slurm/make-trixie-root.sh     # prints the root's path on stdout
# Exit status: 0 ready; 3 the root cannot be made here (not root, no debootstrap, no network to the mirror): callers
# skip the 24.11 tests saying so; 1 anything else.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/trixie-root.sh"
log() { printf '[make-trixie-root] %s\n' "$*" >&2; }
cannot() {
    log "cannot make the Slurm 24.11 root: $*"
    exit 3
}

# missing_pkgs ROOT -> the packages of TRIXIE_PKGS not installed in ROOT
missing_pkgs() {
    local p
    for p in "${TRIXIE_PKGS[@]}"; do
        chroot "$1" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
    done
}
# install ROOT PKG... -> apt-get inside ROOT; exit 3 when the mirror cannot be reached
install() {
    local r=$1 was_mounted=0
    shift
    mountpoint -q "$r/proc" && was_mounted=1
    trixie_mount "$r"
    log "installing $* inside"
    if ! trixie_run "$r" bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
            apt-get install -y -qq --no-install-recommends $* && apt-get clean" >"$parent/apt.log" 2>&1; then
        tail -n 5 "$parent/apt.log" >&2
        ((was_mounted)) || trixie_umount "$r"
        grep -qiE 'Could not resolve|Temporary failure|Failed to fetch|Unable to fetch' "$parent/apt.log" &&
            cannot "no network to the package mirror $mirror (log $parent/apt.log)"
        log "installing packages inside the root failed (log $parent/apt.log)"
        exit 1
    fi
    ((was_mounted)) || trixie_umount "$r"
}
parent=$(dirname "$TRIXIE_ROOT")
mirror=$(trixie_mirror)
if [[ -e $TRIXIE_READY && $(id -u) == 0 ]]; then
    # A root cached by an earlier version of this script gets the packages added since.
    missing=$(missing_pkgs "$TRIXIE_ROOT")
    [[ -z $missing ]] || install "$TRIXIE_ROOT" $missing
fi
[[ -e $TRIXIE_READY ]] && {
    echo "$TRIXIE_ROOT"
    exit 0
}
[[ $(id -u) == 0 ]] || cannot "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || cannot "debootstrap is not installed (scripts/setup installs it)"
mkdir -p "$parent" || cannot "cannot create $parent"
exec 9>"$TRIXIE_ROOT.lock"
flock 9
[[ -e $TRIXIE_READY ]] && { # made by a concurrent call while we waited
    echo "$TRIXIE_ROOT"
    exit 0
}
tmp=$TRIXIE_ROOT.tmp
if [[ -e $tmp ]]; then
    trixie_umount "$tmp"
    rm -rf --one-file-system "$tmp"
fi
cleanup() {
    trixie_umount "$tmp"
    [[ -e $tmp ]] && rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
start=$(date +%s)
log "debootstrap trixie from $mirror into $tmp (a few minutes)"
if ! debootstrap --variant=minbase --include=ca-certificates,procps,curl trixie "$tmp" "$mirror" >"$parent/debootstrap.log" 2>&1; then
    tail -n 5 "$parent/debootstrap.log" >&2
    grep -qiE 'Failed getting release file|could not resolve|Temporary failure|Connection (refused|timed out)|unable to fetch' \
        "$parent/debootstrap.log" && cannot "no network to the package mirror $mirror (log $parent/debootstrap.log)"
    log "debootstrap failed (log $parent/debootstrap.log)"
    exit 1
fi
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d" # package postinsts must not start daemons
chmod 755 "$tmp/usr/sbin/policy-rc.d"
install "$tmp" "${TRIXIE_PKGS[@]}"
version=$(chroot "$tmp" dpkg-query -W -f='${Version}' slurmctld)
echo "slurm $version, made $(date -u +%FT%TZ) from $mirror" >"$tmp/.mldesk-slurm-ready"
if [[ -e $TRIXIE_ROOT ]]; then # an unfinished root of an older run: never mv into it
    trixie_umount "$TRIXIE_ROOT"
    rm -rf --one-file-system "$TRIXIE_ROOT"
fi
mv "$tmp" "$TRIXIE_ROOT" || exit 1
trap - EXIT
log "ready: $TRIXIE_ROOT (Slurm $version) in $(($(date +%s) - start)) s"
echo "$TRIXIE_ROOT"
