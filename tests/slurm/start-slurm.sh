#!/usr/bin/env bash
# start-slurm.sh - brings up the single-node Slurm 22.05 test cluster (munged, slurmctld, slurmd, slurmrestd with
# JWT on loopback) as root without systemd, recording each daemon it starts in a PID file for stop-slurm.sh.
#
#   eval "$(tests/slurm/start-slurm.sh)"   # stdout: export SLURMRESTD_URL=... SLURM_JWT=... SLURM_USER_NAME=...
#
# Idempotent: daemons already running from our PID files are kept, missing ones are started (so a test may stop
# slurmrestd alone and start it again). Progress goes to stderr. Packages come from scripts/setup.
# Environment: MLDESK_SLURM_DIR (state, default /var/spool/mldesk-slurm), MLDESK_SLURM_PORT (slurmrestd, 6820),
# MLDESK_SLURM_CTLD_PORT / MLDESK_SLURM_SLURMD_PORT (6817 / 6818), MLDESK_SLURM_RESTD_PLUGINS (slurmrestd -s,
# openapi/v0.0.38; Slurm 24.11 has openapi/slurmctld), MLDESK_SLURM_API (the version the readiness checks ping,
# v0.0.38), MLDESK_SLURM_MIN_JOB_AGE (seconds a finished job stays visible, 300), MLDESK_SLURM_TIMEOUT (per daemon,
# 60 s). The same script starts the Slurm 24.11 cluster inside its trixie root (start-slurm-24.sh).
# When it fails, it stops the daemons it started itself (never leaves munged and slurmctld behind a dead slurmd).
set -euo pipefail
# A SLURM_JWT in the environment switches every Slurm binary to auth/jwt: slurmctld then dies with
# "AuthType change requires restart" and scontrol fails. The daemons and scontrol must never see it.
unset SLURM_JWT SLURM_CONF
set +m # no job control: a background `setsid cmd` must exec in place so $! is the daemon itself

DIR=${MLDESK_SLURM_DIR:-/var/spool/mldesk-slurm}
PORT=${MLDESK_SLURM_PORT:-6820}
CTLD_PORT=${MLDESK_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${MLDESK_SLURM_SLURMD_PORT:-6818}
RESTD_PLUGINS=${MLDESK_SLURM_RESTD_PLUGINS:-openapi/v0.0.38}
API=${MLDESK_SLURM_API:-v0.0.38}
HERE=$(cd "$(dirname "$0")" && pwd)
MIN_JOB_AGE=${MLDESK_SLURM_MIN_JOB_AGE:-300}
TIMEOUT=${MLDESK_SLURM_TIMEOUT:-60}
NODE=$(hostname -s)
REST_USER=mldesk-slurmrest # slurmrestd refuses root and SlurmUser
TOKEN_USER=root
CONF=/etc/slurm/slurm.conf
MUNGE_SOCKET=/run/munge/munge.socket.2
PIDS=$DIR/pids
LOGS=$DIR/log
PKGS=(munge slurmctld slurmd slurm-client slurmrestd slurm-wlm-jwt-plugin curl)

log() { printf '[start-slurm] %s\n' "$*" >&2; }
STARTED=() # daemons this invocation started: stopped again when it fails
on_exit() {
    local rc=$?
    if ((rc != 0 && ${#STARTED[@]} > 0)); then
        log "stopping what this start began: ${STARTED[*]}"
        MLDESK_SLURM_DIR=$DIR "$HERE/stop-slurm.sh" "${STARTED[@]}" || true
    fi
    exit "$rc"
}
trap on_exit EXIT
die() {
    log "ERROR: $*"
    exit 1
}

[[ $(id -u) == 0 ]] || die "must run as root (the test cluster runs slurmctld/slurmd as root)"
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) || die "missing packages: ${missing[*]} - run scripts/setup (as root) first"
for p in "$PORT" "$CTLD_PORT" "$SLURMD_PORT"; do
    [[ $p =~ ^[0-9]+$ ]] || die "MLDESK_SLURM_PORT, _CTLD_PORT and _SLURMD_PORT must be port numbers, not '$p'"
done

# running NAME BINARY -> true when PID file NAME names a live process executing BINARY (guards against PID reuse)
running() {
    local f=$PIDS/$1.pid pid exe
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [[ ${exe% (deleted)} == "$(readlink -f "$2")" ]]
}
# spawn NAME BINARY CMD... -> start CMD in its own session, wait until the PID runs BINARY, record it
spawn() {
    local name=$1 want pid exe=""
    want=$(readlink -f "$2")
    shift 2
    setsid "$@" </dev/null >"$LOGS/$name.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
        [[ $exe == "$want" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $exe != "$want" ]]; then
        tail -n 20 "$LOGS/$name.out" >&2 || true
        die "$name did not start (log $LOGS/$name.out)"
    fi
    echo "$pid" >"$PIDS/$name.pid"
    STARTED=("$name" "${STARTED[@]}") # stopped newest first
    log "started $name (pid $pid)"
}
# wait_until NAME DESCRIPTION CMD... -> retry CMD until it succeeds; fail at once if daemon NAME died
wait_until() {
    local name=$1 what=$2
    shift 2
    for _ in $(seq 1 $((TIMEOUT * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        if [[ $name != - ]] && ! kill -0 "$(cat "$PIDS/$name.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
            tail -n 20 "$LOGS/$name.out" >&2 || true
            die "$name exited while waiting for $what (log $LOGS/$name.out)"
        fi
        sleep 0.2
    done
    die "timed out after ${TIMEOUT}s waiting for $what"
}

# ---- users, folders, keys
getent passwd munge >/dev/null || die "user munge is missing (is the munge package installed?)"
getent passwd slurm >/dev/null || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slurm
getent passwd "$REST_USER" >/dev/null ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$REST_USER"

ctld_up=0 slurmd_up=0
running slurmctld /usr/sbin/slurmctld && ctld_up=1
running slurmd /usr/sbin/slurmd && slurmd_up=1
mkdir -p "$DIR"/{ctld,spool,pids,log,run} /run/munge /var/log/munge /var/lib/munge
# A fresh cluster on each cold start (old job state would replay jobs of earlier test sessions); a restart of
# one daemon while the other runs keeps the jobs.
if ((!ctld_up && !slurmd_up)); then
    find "$DIR/ctld" "$DIR/spool" -mindepth 1 -delete
fi
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge "$DIR"
chmod 0700 /var/log/munge
chown -R slurm:slurm "$DIR/ctld" "$LOGS"
chmod 0755 "$LOGS"
if [[ ! -s /etc/munge/munge.key ]]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    log "created /etc/munge/munge.key"
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
JWT_KEY=$DIR/jwt_hs256.key
[[ -s $JWT_KEY ]] || dd if=/dev/urandom of="$JWT_KEY" bs=32 count=1 status=none
chown slurm:slurm "$JWT_KEY"
chmod 0600 "$JWT_KEY"

# ---- slurm.conf, with the hardware exactly as slurmd detects it
hw=$(/usr/sbin/slurmd -C | head -n1)
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$hw"; }
CPUS=$(field CPUs) MEM=$(field RealMemory)
[[ -n $CPUS && -n $MEM ]] || die "could not read the hardware from 'slurmd -C': $hw"
# proctrack/linuxproc and task/none: no cgroups here. CR_Core (not CR_Core_Memory, which runs one job at a time).
conf="# generated by tests/slurm/start-slurm.sh (MLDesk test cluster) - do not edit
ClusterName=mldesk-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$JWT_KEY
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=5
OverTimeLimit=0
MinJobAge=$MIN_JOB_AGE
MailProg=/bin/true
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$CPUS Boards=$(field Boards) SocketsPerBoard=$(field SocketsPerBoard) CoresPerSocket=$(field CoresPerSocket) ThreadsPerCore=$(field ThreadsPerCore) RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
mkdir -p /etc/slurm
if [[ -e $CONF ]] && ! grep -q '^# generated by tests/slurm/start-slurm.sh' "$CONF" && [[ ! -e $CONF.pre-mldesk ]]; then
    cp -p "$CONF" "$CONF.pre-mldesk"
    log "kept the existing $CONF as $CONF.pre-mldesk"
fi
if [[ "$(cat "$CONF" 2>/dev/null)" != "$conf" ]]; then
    printf '%s\n' "$conf" >"$CONF.tmp.$$"
    chmod 0644 "$CONF.tmp.$$"
    mv -f "$CONF.tmp.$$" "$CONF"
    ((ctld_up)) && { scontrol reconfigure >&2 || true; }
fi

# ---- munged (an already running one that we did not start is used, never touched)
munge_ok() { munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET"; }
if running munged /usr/sbin/munged; then
    :
elif munge_ok >/dev/null 2>&1; then
    rm -f "$PIDS/munged.pid"
    log "using a munged this script did not start"
else
    spawn munged /usr/sbin/munged setpriv --reuid=munge --regid=munge --init-groups -- \
        /usr/sbin/munged --foreground --socket="$MUNGE_SOCKET"
fi
wait_until "$([[ -e $PIDS/munged.pid ]] && echo munged || echo -)" munge munge_ok

# ---- slurmctld, slurmd
((ctld_up)) || spawn slurmctld /usr/sbin/slurmctld /usr/sbin/slurmctld -D -i
wait_until slurmctld "slurmctld (scontrol ping)" bash -c 'scontrol ping | grep -q "is UP"'
((slurmd_up)) || spawn slurmd /usr/sbin/slurmd /usr/sbin/slurmd -D -N "$NODE"
node_ready() {
    case "$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n1)" in
    idle* | mixed* | allocated* | completing*) return 0 ;;
    down* | drain* | fail*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    return 1
}
wait_until slurmd "node $NODE to be ready" node_ready

# ---- slurmrestd: its own user, only the plugins given (the default set needs slurmdbd), JWT auth
URL=http://127.0.0.1:$PORT
if ! running slurmrestd /usr/sbin/slurmrestd; then
    spawn slurmrestd /usr/sbin/slurmrestd env SLURM_JWT=daemon \
        setpriv --reuid="$REST_USER" --regid="$REST_USER" --init-groups -- \
        /usr/sbin/slurmrestd -s "$RESTD_PLUGINS" -a rest_auth/jwt "127.0.0.1:$PORT"
fi
# Unauthenticated requests answer 401 as soon as it listens.
wait_until slurmrestd "slurmrestd on $URL" bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/slurm/$API/ping) == 401 ]]"

# ---- a token, checked end to end
TOKEN=$(scontrol token username="$TOKEN_USER" lifespan=86400 | sed -n 's/^SLURM_JWT=//p')
[[ -n $TOKEN ]] || die "scontrol token failed"
code=$(curl -s -o "$LOGS/ping.json" -w '%{http_code}' -H "X-SLURM-USER-NAME: $TOKEN_USER" \
    -H "X-SLURM-USER-TOKEN: $TOKEN" "$URL/slurm/$API/ping")
[[ $code == 200 ]] || die "authenticated ping answered HTTP $code: $(cat "$LOGS/ping.json")"
for n in munged slurmctld slurmd slurmrestd; do
    [[ ! -e $PIDS/$n.pid ]] || kill -0 "$(<"$PIDS/$n.pid")" 2>/dev/null ||
        die "$n died after starting - another instance on the same ports? see $LOGS"
done
(
    umask 077
    printf 'export SLURMRESTD_URL=%s SLURM_JWT=%s SLURM_USER_NAME=%s\n' "$URL" "$TOKEN" "$TOKEN_USER" >"$DIR/env"
)
log "ready: $URL (node $NODE, $CPUS CPUs; env also in $DIR/env)"
cat "$DIR/env"
