#!/usr/bin/env bash
# record-responses-v004x.sh VERSION - records real slurmrestd answers of API VERSION (v0.0.40, v0.0.41, v0.0.42) into
# tests/slurm/data/VERSION/ for the JSON-mapping unit tests (TestSlurmJson). Needs the Slurm 24.11 test cluster:
# eval "$(tests/slurm/start-slurm-24.sh)" first. About a minute and a half (one job runs into its 1-minute limit).
set -euo pipefail
V=${1:?usage: record-responses-v004x.sh v0.0.40|v0.0.41|v0.0.42}
: "${SLURMRESTD_URL:?run eval \"\$(tests/slurm/start-slurm-24.sh)\" first}"
OUT=$(cd "$(dirname "$0")" && pwd)/data/$V
WORK=$(mktemp -d /tmp/mldesk-slurm-record.XXXXXX) # /tmp: the nodes see it at the same path
chmod 0755 "$WORK"
mkdir -p "$OUT"
U=$SLURMRESTD_URL/slurm/$V
H=(-H "X-SLURM-USER-NAME: $SLURM_USER_NAME" -H "X-SLURM-USER-TOKEN: $SLURM_JWT")
BAD=(-H "X-SLURM-USER-NAME: $SLURM_USER_NAME" -H "X-SLURM-USER-TOKEN: not-a-token")

rec() { # rec FILE CURL-ARGS... -> body into FILE, status into FILE.status
    local f=$1
    shift
    : >"$OUT/$f"
    curl -s -o "$OUT/$f" -w '%{http_code}\n' "$@" >"$OUT/$f.status"
    echo "$f: HTTP $(<"$OUT/$f.status")" >&2
}
submit() { # submit FILE NAME TIMELIMIT SCRIPT [EXTRA-JOB-JSON] -> job id
    jq -n --arg s "$4" --arg n "$2" --arg d "$WORK" --argjson t "$3" --argjson x "${5:-{\}}" '{
        job: ({name: $n, comment: ("mldesk run " + $n), script: $s, partition: "debug",
               time_limit: {set: true, infinite: false, number: $t}, minimum_nodes: 1, maximum_nodes: 1,
               requeue: false, current_working_directory: $d, standard_output: ($d + "/" + $n + "-%j.out"),
               environment: ["PATH=/bin:/usr/bin", ("MLDESK_RUN_ID=" + $n)]} + $x)}' >"$WORK/$2.json"
    rec "$1" "${H[@]}" -H 'Content-Type: application/json' -X POST --data-binary @"$WORK/$2.json" "$U/job/submit"
    jq -r .job_id "$OUT/$1"
}
state() { curl -s "${H[@]}" "$U/job/$1" | jq -r '.jobs[0].job_state | join(",")'; }
wait_state() { # wait_state JOB STATE...
    local j=$1 st
    shift
    for _ in $(seq 1 400); do
        st=$(state "$j")
        for want in "$@"; do [[ $st == "$want" ]] && return 0; done
        sleep 0.5
    done
    echo "job $j stuck in $st" >&2
    return 1
}

since=$(date +%s)
rec ping.json "${H[@]}" "$U/ping"
rec nodes.json "${H[@]}" "$U/nodes"
rec partitions.json "${H[@]}" "$U/partitions"
rec ping-bad-token.json "${BAD[@]}" "$U/ping"
rec ping-no-token.json "$U/ping"
rec jobs-bad-token.json "${BAD[@]}" "$U/jobs?update_time=0"
rec job-unknown.json "${H[@]}" "$U/job/999999"
submit submit-bad-partition.json badpart 1 $'#!/bin/bash\ntrue' '{"partition": "nosuch"}' >/dev/null || true
submit submit-bad-gres.json badgres 1 $'#!/bin/bash\ntrue' '{"tres_per_node": "gres/gpu:1"}' >/dev/null || true
submit submit-bad-key.json badkey 1 $'#!/bin/bash\ntrue' '{"gpus_per_node": "1"}' >/dev/null || true

a=$(submit submit.json long-a 5 $'#!/bin/bash\nsleep 600' '{"cpus_per_task": 1}')
b=$(submit submit-b.json long-b 5 $'#!/bin/bash\nsleep 600')
wait_state "$a" RUNNING
wait_state "$b" RUNNING
p=$(submit submit-c.json pending 5 $'#!/bin/bash\ntrue')
for _ in $(seq 1 50); do
    [[ $(curl -s "${H[@]}" "$U/job/$p" | jq -r '.jobs[0].state_reason') != None ]] && break
    sleep 0.2
done
rec job-pending.json "${H[@]}" "$U/job/$p"
rec job-running.json "${H[@]}" "$U/job/$a"
rec signal-term.json "${H[@]}" -X DELETE "$U/job/$a?signal=TERM"
rec cancel-unknown.json "${H[@]}" -X DELETE "$U/job/999999?signal=TERM"
wait_state "$a" FAILED CANCELLED
rec job-after-term.json "${H[@]}" "$U/job/$a"
curl -s "${H[@]}" -X DELETE "$U/job/$p" >/dev/null
rec cancel.json "${H[@]}" -X DELETE "$U/job/$b?signal=KILL"
wait_state "$b" CANCELLED
rec job-cancelled.json "${H[@]}" "$U/job/$b"

x=$(submit submit-exit3.json exit3 1 $'#!/bin/bash\necho about to fail\nexit 3')
t=$(submit submit-timeout.json timeout 1 $'#!/bin/bash\nsleep 600')
o=$(submit submit-ok.json ok 1 $'#!/bin/bash\necho fine')
k=$(submit submit-signal.json killed 1 $'#!/bin/bash\nkill -KILL $$')
wait_state "$x" FAILED
wait_state "$o" COMPLETED
wait_state "$k" FAILED
rec job-failed-exit3.json "${H[@]}" "$U/job/$x"
rec job-completed.json "${H[@]}" "$U/job/$o"
rec job-killed.json "${H[@]}" "$U/job/$k"
# v0.0.40 and v0.0.41 of 24.11 refuse seconds since the epoch here (HTTP 422), but take Slurm's "now-N".
if [[ $V == v0.0.42 ]]; then
    rec jobs-since.json "${H[@]}" "$U/jobs?update_time=$since"
    rec jobs-later.json "${H[@]}" "$U/jobs?update_time=$(($(date +%s) + 60))"
else
    rec jobs-epoch-refused.json "${H[@]}" "$U/jobs?update_time=$since"
    rec jobs-since.json "${H[@]}" "$U/jobs?update_time=now-$(($(date +%s) - since))"
    rec jobs-later.json "${H[@]}" "$U/jobs?update_time=now-0"
fi
if [[ ${RECORD_TIMEOUT:-1} == 1 ]]; then
    echo "waiting for job $t to run into its time limit" >&2
    wait_state "$t" TIMEOUT
    rec job-timeout.json "${H[@]}" "$U/job/$t"
else
    curl -s "${H[@]}" -X DELETE "$U/job/$t" >/dev/null
fi
rm -rf "$WORK"
echo "recorded into $OUT" >&2
