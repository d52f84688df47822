# build-progress.awk: turns ninja's hundreds of "[N/M] Building CXX object ..." lines into one line per stage -
# the first step of each target, and each link. Reads `cmake --build` output on stdin (scripts/build uses it).
# Lines that are not ninja steps (compiler errors and warnings) are left to the full log; scripts/build shows
# the errors from there when the build fails.
function stage(line, target) {
    if (target == "" || target in seen)
        return
    seen[target] = 1
    printf "build: [%*d/%d] %s\n", length(total), step, total, line
    fflush()
}
/^ninja: no work to do/ { uptodate = 1; next }
/^\[[0-9]+\/[0-9]+\] / {
    split(substr($1, 2, length($1) - 2), n, "/")
    step = n[1] + 0
    total = n[2] + 0
    text = substr($0, length($1) + 2)
    if (text ~ /^Linking /) {
        name = $NF
        sub(/.*\//, "", name)
        sub(/^lib/, "", name)
        sub(/\.(a|so)$/, "", name)
        stage("linking " name, "link:" name)
    } else if (match(text, /CMakeFiles\/[^\/]+\.dir/)) {
        target = substr(text, RSTART + 11, RLENGTH - 15)
        sub(/_autogen$/, "", target)
        stage("compiling " target, "compile:" target)
    } else if (match(text, /for target [^ ]+/)) {
        target = substr(text, RSTART + 11, RLENGTH - 11)
        stage("compiling " target, "compile:" target)
    }
    next
}
END {
    if (uptodate)
        print "build: up to date"
}
