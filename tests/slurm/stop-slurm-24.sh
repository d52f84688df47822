#!/usr/bin/env bash
# stop-slurm-24.sh - stops the Slurm 24.11 test cluster that start-slurm-24.sh started (only the daemons in its PID
# files, through the same stop-slurm.sh, inside the trixie root) and unmounts the root's /proc, /dev and /sys.
#
#   tests/slurm/stop-slurm-24.sh               # everything
#   tests/slurm/stop-slurm-24.sh slurmrestd    # only the named daemons (the root stays mounted)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/trixie-root.sh"
[[ -e $TRIXIE_READY && -e $TRIXIE_ROOT/opt/mldesk-slurm/stop-slurm.sh ]] || exit 0 # never started here
cp -f "$here/stop-slurm.sh" "$TRIXIE_ROOT/opt/mldesk-slurm/"
mountpoint -q "$TRIXIE_ROOT/proc" || { ls "$TRIXIE_ROOT"/var/spool/mldesk-slurm/pids/*.pid >/dev/null 2>&1 || exit 0; }
trixie_mount "$TRIXIE_ROOT"
trixie_run "$TRIXIE_ROOT" bash /opt/mldesk-slurm/stop-slurm.sh "$@"
rc=$?
(($# > 0)) || trixie_umount "$TRIXIE_ROOT"
exit "$rc"
