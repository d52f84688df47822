#!/usr/bin/env bash
# start-slurm-24.sh - brings up the single-node Slurm 24.11 test cluster (REST API v0.0.40, v0.0.41, v0.0.42): the
# same start-slurm.sh, run inside the cached Debian 13 root that make-trixie-root.sh makes (once), on its own ports
# (slurmctld 6827, slurmd 6828, slurmrestd 6829) so it never meets the 22.05 cluster's.
#
#   eval "$(tests/slurm/start-slurm-24.sh)"   # stdout: export SLURMRESTD_URL=... SLURM_JWT=... SLURM_USER_NAME=...
# MLDESK_SLURM_NODE_PROGRAMS="A B": this host's programs the jobs run (mldesk-train, mldesk-supervisor); the libraries
# they need that trixie lacks are copied into the root, as an admin installs a program's dependencies on the nodes.
# The host's /tmp is the root's /tmp (the cluster's shared file system).
# Exit status: 0 up; 3 the trixie root cannot be made here (the 24.11 tests skip, saying so); 1 it failed.
# stop-slurm-24.sh stops it and unmounts the root's /proc, /dev and /sys.
set -uo pipefail
unset SLURM_JWT SLURM_CONF
here=$(cd "$(dirname "$0")" && pwd)
. "$here/trixie-root.sh"
log() { printf '[start-slurm-24] %s\n' "$*" >&2; }

"$here/make-trixie-root.sh" >/dev/null
rc=$?
((rc == 0)) || exit "$rc"
# The scripts run inside the root, from a copy (the root sees nothing of the host's file system).
mkdir -p "$TRIXIE_ROOT/opt/mldesk-slurm"
cp -f "$here/start-slurm.sh" "$here/stop-slurm.sh" "$TRIXIE_ROOT/opt/mldesk-slurm/"
trixie_mount "$TRIXIE_ROOT"
# shellcheck disable=SC2086
[[ -z ${MLDESK_SLURM_NODE_PROGRAMS:-} ]] || trixie_host_libs "$TRIXIE_ROOT" $MLDESK_SLURM_NODE_PROGRAMS
if ! trixie_run "$TRIXIE_ROOT" MLDESK_SLURM_PORT=6829 MLDESK_SLURM_CTLD_PORT=6827 MLDESK_SLURM_SLURMD_PORT=6828 \
    MLDESK_SLURM_RESTD_PLUGINS=openapi/slurmctld MLDESK_SLURM_API=v0.0.42 \
    ${MLDESK_SLURM_MIN_JOB_AGE:+MLDESK_SLURM_MIN_JOB_AGE=$MLDESK_SLURM_MIN_JOB_AGE} \
    ${MLDESK_SLURM_TIMEOUT:+MLDESK_SLURM_TIMEOUT=$MLDESK_SLURM_TIMEOUT} \
    bash /opt/mldesk-slurm/start-slurm.sh; then
    # start-slurm.sh stopped what it had started; nothing holds the mounts now
    trixie_umount "$TRIXIE_ROOT"
    log "the Slurm 24.11 cluster did not start (logs under $TRIXIE_ROOT/var/spool/mldesk-slurm/log)"
    exit 1
fi
