#!/usr/bin/env bash
# Makes the container tests' image from nothing: a Debian bookworm minbase root with python3 (debootstrap, cached
# under /var/cache/mldesk-test so later runs reuse it), imported into podman as localhost/python-test:1.
# Exit 0: the image exists. Exit 77: it cannot be made here (the reason is printed); tests then skip with it.
# Usage: tests/containers/make-test-image.sh [IMAGE]   (env: MLDESK_TEST_MIRROR, default http://deb.debian.org/debian)
set -uo pipefail

image=${1:-localhost/python-test:1}
cache=${MLDESK_TEST_IMAGE_CACHE:-/var/cache/mldesk-test}
root=$cache/bookworm-python3
tarball=$cache/bookworm-python3.tar
mirror=${MLDESK_TEST_MIRROR:-http://deb.debian.org/debian}

skip() { echo "make-test-image: $*" >&2; exit 77; }

command -v podman >/dev/null || skip "podman is not installed (scripts/setup installs it)"
[[ $(id -u) -eq 0 ]] || skip "needs root (debootstrap and rootful podman)"
if podman image exists "$image" 2>/dev/null; then
    echo "make-test-image: $image present"
    exit 0
fi
mkdir -p "$cache" || skip "cannot create $cache"
exec 9>"$cache/.lock"
flock 9
if podman image exists "$image" 2>/dev/null; then exit 0; fi
if [[ ! -s $tarball ]]; then
    command -v debootstrap >/dev/null || skip "debootstrap is not installed (scripts/setup installs it)"
    if [[ ! -x $root/usr/bin/python3 ]]; then
        rm -rf "$root.partial"
        echo "make-test-image: debootstrap bookworm (minbase + python3) from $mirror into $root (1-2 minutes)"
        if ! debootstrap --variant=minbase --include=python3 bookworm "$root.partial" "$mirror" \
            >"$cache/debootstrap.log" 2>&1; then
            tail -5 "$cache/debootstrap.log" >&2
            rm -rf "$root.partial"
            skip "debootstrap failed (is $mirror reachable?); log in $cache/debootstrap.log"
        fi
        rm -rf "$root" && mv "$root.partial" "$root"
    fi
    tar -C "$root" -cf "$tarball.partial" . || skip "tar of $root failed"
    mv "$tarball.partial" "$tarball"
fi
podman import "$tarball" "$image" >/dev/null || skip "podman import of $tarball failed"
echo "make-test-image: imported $image"
