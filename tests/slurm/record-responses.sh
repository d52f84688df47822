#!/usr/bin/env bash
# record-responses.sh - records real slurmrestd v0.0.38 answers into tests/slurm/data/ for the JSON-mapping unit
# tests (TestSlurmJson). Needs the test cluster: eval "$(tests/slurm/start-slurm.sh)" first. Takes about 2 minutes
# (one job has to run into its 1-minute time limit). Re-run it when the API adapter for another version is added.
set -euo pipefail
: "${SLURMRESTD_URL:?run eval \"\$(tests/slurm/start-slurm.sh)\" first}"
OUT=$(cd "$(dirname "$0")" && pwd)/data/v0.0.38
WORK=$(mktemp -d /tmp/mldesk-slurm-record.XXXXXX)
chmod 0755 "$WORK"
mkdir -p "$OUT"
U=$SLURMRESTD_URL/slurm/v0.0.38
H=(-H "X-SLURM-USER-NAME: $SLURM_USER_NAME" -H "X-SLURM-USER-TOKEN: $SLURM_JWT")

# rec FILE CURL-ARGS... -> body into FILE, "HTTP <status>" into FILE.status
rec() {
    local f=$1
    shift
    : >"$OUT/$f" # a 304 has no body
    curl -s -o "$OUT/$f" -w '%{http_code}\n' "$@" >"$OUT/$f.status"
    echo "$f: HTTP $(<"$OUT/$f.status")" >&2
}
submit() { # submit FILE NAME TIMELIMIT SCRIPT [EXTRA-JOB-JSON] -> job id
    jq -n --arg s "$4" --arg n "$2" --arg d "$WORK" --argjson t "$3" --argjson x "${5:-{\}}" '{script: $s,
        job: ({name: $n, partition: "debug", time_limit: $t, nodes: 1, requeue: false,
               current_working_directory: $d, standard_output: ($d + "/" + $n + "-%j.out"),
               environment: {PATH: "/bin:/usr/bin", MLDESK_RUN_ID: $n}} + $x)}' >"$WORK/$2.json"
    rec "$1" "${H[@]}" -H 'Content-Type: application/json' -X POST --data-binary @"$WORK/$2.json" "$U/job/submit"
    jq -r .job_id "$OUT/$1"
}
wait_state() { # wait_state JOB STATE...
    local j=$1 st
    shift
    for _ in $(seq 1 400); do
        st=$(curl -s "${H[@]}" "$U/job/$j" | jq -r '.jobs[0].job_state')
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
rec ping-bad-token.json -H "X-SLURM-USER-NAME: $SLURM_USER_NAME" -H "X-SLURM-USER-TOKEN: not-a-token" "$U/ping"
rec ping-no-token.json "$U/ping"
# A bad or expired token answers 500 everywhere, with a different error text per endpoint.
BAD=(-H "X-SLURM-USER-NAME: $SLURM_USER_NAME" -H "X-SLURM-USER-TOKEN: not-a-token")
rec jobs-bad-token.json "${BAD[@]}" "$U/jobs?update_time=0"
rec job-bad-token.json "${BAD[@]}" "$U/job/1"
rec nodes-bad-token.json "${BAD[@]}" "$U/nodes"
rec submit-bad-token.json "${BAD[@]}" -H 'Content-Type: application/json' -X POST \
    --data-binary '{"script": "#!/bin/bash\ntrue", "job": {"environment": {"A": "b"}, "current_working_directory": "/tmp"}}' \
    "$U/job/submit"
rec job-unknown.json "${H[@]}" "$U/job/999999"
submit submit-bad-partition.json badpart 1 $'#!/bin/bash\ntrue' '{"partition": "nosuch"}' >/dev/null || true
submit submit-bad-gres.json badgres 1 $'#!/bin/bash\ntrue' '{"gpus_per_node": "1"}' >/dev/null || true
submit submit-bad-key.json badkey 1 $'#!/bin/bash\ntrue' '{"tres_per_node": "gres:gpu:1"}' >/dev/null || true

# Two long jobs fill both CPUs, so the third waits with a reason.
a=$(submit submit.json long-a 5 $'#!/bin/bash\nsleep 600' '{"cpus_per_task": 1}')
b=$(submit submit-b.json long-b 5 $'#!/bin/bash\nsleep 600')
wait_state "$a" RUNNING
wait_state "$b" RUNNING
p=$(submit submit-c.json pending 5 $'#!/bin/bash\ntrue')
for _ in $(seq 1 50); do # the scheduler sets the reason on its next pass
    [[ $(curl -s "${H[@]}" "$U/job/$p" | jq -r '.jobs[0].state_reason') != None ]] && break
    sleep 0.2
done
rec job-pending.json "${H[@]}" "$U/job/$p"
rec job-running.json "${H[@]}" "$U/job/$a"
# signal=TERM only signals the job (its batch shell dies: FAILED, exit_code 15); a DELETE without a signal (KILL)
# cancels it: CANCELLED.
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
wait_state "$x" FAILED
wait_state "$o" COMPLETED
rec job-failed-exit3.json "${H[@]}" "$U/job/$x"
rec job-completed.json "${H[@]}" "$U/job/$o"
rec jobs-since.json "${H[@]}" "$U/jobs?update_time=$since"
echo "waiting for job $t to run into its time limit" >&2
wait_state "$t" TIMEOUT
rec job-timeout.json "${H[@]}" "$U/job/$t"
# Nothing changed since update_time: HTTP 304 with no body.
rec jobs-later.json "${H[@]}" "$U/jobs?update_time=$(($(date +%s) + 60))"
rm -rf "$WORK"
echo "recorded into $OUT" >&2
