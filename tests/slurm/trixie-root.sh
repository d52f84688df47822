#!/usr/bin/env bash
# trixie-root.sh - shared helpers for the Slurm 24.11 test cluster, which runs inside a Debian 13 (trixie) root
# next to the Debian 12 host (Debian 12 ships Slurm 22.05 only). Sourced by make-trixie-root.sh,
# start-slurm-24.sh and stop-slurm-24.sh.
# Environment: MLDESK_SLURM_TRIXIE_ROOT (default /var/cache/mldesk/slurm-trixie-root), MLDESK_SLURM_TRIXIE_MIRROR
# (default: the host's Debian mirror from /etc/apt/sources.list*).
TRIXIE_ROOT=${MLDESK_SLURM_TRIXIE_ROOT:-/var/cache/mldesk/slurm-trixie-root}
TRIXIE_READY=$TRIXIE_ROOT/.mldesk-slurm-ready
TRIXIE_PKGS=(munge slurmctld slurmd slurmrestd slurm-client slurm-wlm-jwt-plugin curl procps python3)
TRIXIE_HOST_LIBS=/opt/mldesk-host-libs # inside the root: libraries of this host's MLDesk build that trixie lacks

# trixie_mirror -> the first Debian mirror of the host's apt sources (deb822 or one-line format)
trixie_mirror() {
    local m
    [[ -n ${MLDESK_SLURM_TRIXIE_MIRROR:-} ]] && { echo "$MLDESK_SLURM_TRIXIE_MIRROR"; return; }
    m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\?[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
    [[ -n $m ]] || m=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)\/\?[[:space:]].*/\2/p' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
    echo "${m:-http://deb.debian.org/debian}"
}
# trixie_mount ROOT -> /proc, /dev and /sys inside ROOT (slurmd dies without /sys), each only once, and the host's
# /tmp as the root's /tmp: the "shared file system" of the cluster, so a test's shared folder has the same path on
# both sides, as with an NFS home on a real cluster
trixie_mount() {
    local r=$1
    mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
    mountpoint -q "$r/dev" || { mount --rbind /dev "$r/dev" && mount --make-rslave "$r/dev"; }
    mountpoint -q "$r/sys" || { mount --rbind /sys "$r/sys" && mount --make-rslave "$r/sys"; }
    mountpoint -q "$r/tmp" || mount --bind /tmp "$r/tmp"
    cp -f /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}
# trixie_umount ROOT -> undoes trixie_mount (lazily when something still holds a mount)
trixie_umount() {
    local r=$1 m
    for m in tmp sys dev proc; do
        mountpoint -q "$r/$m" || continue
        umount -R "$r/$m" 2>/dev/null || umount -R -l "$r/$m" 2>/dev/null || true
    done
}
# trixie_run ROOT CMD... -> CMD inside ROOT with a clean environment
trixie_run() {
    local r=$1
    shift
    chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        ${MLDESK_SLURM_DIR:+MLDESK_SLURM_DIR=$MLDESK_SLURM_DIR} "$@"
}
# trixie_host_libs ROOT BINARY... -> the nodes can run this host's (Debian 12) MLDesk programs: every library they
# need that the root lacks (e.g. libhdf5_serial.so.103; trixie has .310) is copied from the host into
# TRIXIE_HOST_LIBS and registered with ldconfig. Never one the root has (glibc, libstdc++ stay trixie's).
trixie_host_libs() {
    local r=$1 bin tmp lib path copied=1
    shift
    mkdir -p "$r$TRIXIE_HOST_LIBS"
    echo "$TRIXIE_HOST_LIBS" >"$r/etc/ld.so.conf.d/zz-mldesk-host-libs.conf"
    chroot "$r" /sbin/ldconfig
    while ((copied)); do
        copied=0
        for bin in "$@"; do
            [[ -x $bin ]] || continue
            tmp=$(mktemp /tmp/mldesk-ldd.XXXXXX) # /tmp is the root's /tmp too
            cp -f "$bin" "$tmp"
            chmod 0755 "$tmp"
            for lib in $(chroot "$r" /usr/bin/env -i PATH=/usr/bin:/bin ldd "$tmp" 2>/dev/null | awk '$3 == "not" {print $1}'); do
                path=$(ldd "$bin" | awk -v l="$lib" '$1 == l {print $3}')
                [[ -n $path && -e $path ]] || continue
                cp -fL "$path" "$r$TRIXIE_HOST_LIBS/$lib" && copied=1
            done
            rm -f "$tmp"
        done
        ((copied)) && chroot "$r" /sbin/ldconfig
    done
    return 0
}
