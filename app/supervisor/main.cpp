// mldesk-supervisor: starts a run's job in its own session, sends its stdout+stderr into one log file, and writes
// the job's end (exit code or signal) as exit.json into the run folder, so the outcome is known even when no MLDesk
// process was watching. Usage: mldesk-supervisor --run-dir DIR [--log FILE] [--restart on-failure]
// [--container NAME --engine PROGRAM] -- PROGRAM [ARGS...]. With --container, the job is `ENGINE run --name NAME ...`:
// a cancel (SIGTERM) also runs `ENGINE stop NAME`, because the job's PID 1 inside the container ignores a forwarded
// SIGTERM. With --restart on-failure (endpoints) a crashed job is started again after a back-off.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

volatile sig_atomic_t g_terminateRequested = 0;
volatile pid_t g_jobPid = 0;
// --container: `ENGINE stop -t 3 NAME` (SIGTERM, SIGKILL 3 s later: within RunService's cancel grace), prepared before
// any signal can come; run once from the handler.
char *g_stopArgv[6] = {};
int g_logFd = -1;
volatile sig_atomic_t g_stopSent = 0;

void onTerminate(int signal)
{
    g_terminateRequested = signal;
    // The job is in our process group, so a group signal reaches it anyway; a signal sent to us alone is passed on.
    if (g_jobPid > 0)
        kill(g_jobPid, SIGTERM);
    // fork and execv are async-signal-safe; the container's PID 1 ignores a forwarded SIGTERM, a stop does not.
    if (g_stopArgv[0] && !g_stopSent) {
        g_stopSent = 1;
        if (fork() == 0) {
            dup2(g_logFd, STDOUT_FILENO);
            dup2(g_logFd, STDERR_FILENO);
            execv(g_stopArgv[0], g_stopArgv);
            _exit(127);
        }
    }
}

long long nowMs()
{
    timeval tv{};
    gettimeofday(&tv, nullptr);
    return static_cast<long long>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

// Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid it names one process, whatever pid reuse does.
long long startTicks(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22)
            return std::atoll(field.c_str());
    return 0;
}

std::string jsonString(const std::string &s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else
            out += c;
    }
    return out + "\"";
}

// Written to a temporary name, synced and renamed: readers see the whole file or none.
bool writeAtomically(const std::string &path, const std::string &text)
{
    const std::string temp = path + ".tmp";
    const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
    close(fd);
    return ok && rename(temp.c_str(), path.c_str()) == 0;
}

void logLine(int fd, const std::string &line)
{
    const std::string text = "mldesk-supervisor: " + line + "\n";
    [[maybe_unused]] const ssize_t n = write(fd, text.data(), text.size());
}

// What a container's end means, said in the log (the last lines of a failed run's reason come from there).
void explainContainerEnd(int log, const std::string &name, int code)
{
    if (code == 137)
        logLine(log, "container " + name + " was killed (SIGKILL) from outside MLDesk: `podman kill`/`docker " +
                         "kill`, a stop, or the kernel's out-of-memory killer");
    else if (code == 125)
        logLine(log, "the container engine could not run container " + name + " (its message is above)");
    else if (code == 126 || code == 127)
        logLine(log, "container " + name + ": the command could not be run inside the image (not found or not " +
                         "executable: is python3 in the image?)");
    else
        logLine(log, "container " + name + " ended with exit code " + std::to_string(code));
}

int usage(const char *message)
{
    std::fprintf(stderr,
                 "mldesk-supervisor: %s\nusage: mldesk-supervisor --run-dir DIR [--log FILE] [--restart on-failure] "
                 "[--container NAME --engine PROGRAM] -- PROGRAM [ARGS...]\n",
                 message);
    return 125;
}

} // namespace

int main(int argc, char **argv)
{
    std::string runDir, logFile = "logs/std_log.txt", container, engine, restartPolicy;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "--version") {
            std::printf("mldesk-supervisor %s\n", MLDESK_VERSION);
            return 0;
        }
        if (a == "--help" || a == "-h") {
            std::printf("usage: mldesk-supervisor --run-dir DIR [--log FILE] [--restart on-failure]\n"
                        "                         [--container NAME --engine PROGRAM] -- PROGRAM [ARGS...]\n"
                        "Starts PROGRAM in the run folder DIR with stdout and stderr appended to FILE (default\n"
                        "logs/std_log.txt), records its process identity in process.json and, when it ends, its exit\n"
                        "code or signal in the exit record, so a run's outcome is known even when no MLDesk process\n"
                        "was watching. With --container NAME --engine PROGRAM the job is a container run: a\n"
                        "SIGTERM also stops the container. --restart on-failure starts it again after a crash\n"
                        "(endpoints). Started by MLDesk for every run and endpoint; not meant to be run by hand.\n");
            return 0;
        }
        if (a == "--run-dir" && i + 1 < argc)
            runDir = argv[++i];
        else if (a == "--log" && i + 1 < argc)
            logFile = argv[++i];
        else if (a == "--container" && i + 1 < argc)
            container = argv[++i];
        else if (a == "--engine" && i + 1 < argc)
            engine = argv[++i];
        else if (a == "--restart" && i + 1 < argc) {
            restartPolicy = argv[++i];
            if (restartPolicy != "on-failure")
                return usage("--restart takes on-failure");
        } else
            return usage(("unknown argument '" + a + "'").c_str());
    }
    if (runDir.empty())
        return usage("--run-dir is required");
    if (container.empty() != engine.empty())
        return usage("--container and --engine go together");
    if (i >= argc)
        return usage("no program given after --");

    setsid(); // own session and process group (fails harmlessly when already a group leader)
    if (chdir(runDir.c_str()) != 0)
        return usage(("cannot enter the run folder '" + runDir + "': " + std::strerror(errno)).c_str());
    mkdir("logs", 0755);
    const int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0)
        return usage(("cannot open the log '" + logFile + "': " + std::strerror(errno)).c_str());

    if (!container.empty()) {
        static std::string stopArgs[] = {engine, "stop", "-t", "3", container};
        for (int k = 0; k < 5; ++k)
            g_stopArgv[k] = stopArgs[k].data();
        g_logFd = log;
    }
    struct sigaction action {};
    action.sa_handler = onTerminate;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    const long long startedAt = nowMs();
    int status = 0;
    int restarts = 0;
    for (;;) {
        const long long jobStartedAt = nowMs();
        const pid_t job = fork();
        if (job < 0) {
            logLine(log, std::string("cannot start the job: ") + std::strerror(errno));
            writeAtomically("exit.json", "{\"exit_code\": 127, \"error\": \"fork failed\", \"ended_at\": " +
                                             std::to_string(nowMs()) + "}\n");
            return 127;
        }
        if (job == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGHUP, SIG_DFL);
            signal(SIGPIPE, SIG_DFL);
            const int devNull = open("/dev/null", O_RDONLY);
            if (devNull >= 0)
                dup2(devNull, STDIN_FILENO);
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            execvp(argv[i], argv + i);
            logLine(STDERR_FILENO, std::string("cannot start '") + argv[i] + "': " + std::strerror(errno));
            _exit(127);
        }
        g_jobPid = job;
        writeAtomically("process.json", "{\"supervisor_pid\": " + std::to_string(getpid()) +
                                            ", \"supervisor_start_ticks\": " + std::to_string(startTicks(getpid())) +
                                            ", \"job_pid\": " + std::to_string(job) +
                                            ", \"started_at\": " + std::to_string(startedAt) +
                                            ", \"job_started_at\": " + std::to_string(jobStartedAt) +
                                            ", \"restarts\": " + std::to_string(restarts) + "}\n");
        while (waitpid(job, &status, 0) < 0) {
            if (errno != EINTR) {
                logLine(log, std::string("lost the job: ") + std::strerror(errno));
                status = 127 << 8;
                break;
            }
        }
        g_jobPid = 0;
        const bool crashed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
        if (restartPolicy.empty() || g_terminateRequested || !crashed)
            break;
        // --restart on-failure: a service (an endpoint) comes back after a crash, with the crash in its log.
        // Back-off 1, 2, 4 ... 30 s between quick crashes; a job that ran a minute starts the count again.
        if (nowMs() - jobStartedAt > 60000)
            restarts = 0;
        const int delay = std::min(30, 1 << std::min(restarts, 5));
        std::string what;
        if (WIFSIGNALED(status)) {
            const char *name = sigabbrev_np(WTERMSIG(status));
            what = "killed by " + (name ? std::string("SIG") + name : "signal " + std::to_string(WTERMSIG(status)));
        } else
            what = "exited with code " + std::to_string(WEXITSTATUS(status));
        logLine(log, "the job (pid " + std::to_string(job) + ") " + what + "; restarting it in " +
                         std::to_string(delay) + " s (restart " + std::to_string(restarts + 1) + ")");
        ++restarts;
        for (int waited = 0; waited < delay * 10 && !g_terminateRequested; ++waited)
            usleep(100000);
        if (g_terminateRequested)
            break;
    }
    std::string record = "{";
    int ownExit = 0;
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char *name = sigabbrev_np(sig);
        record += "\"signal\": " + std::to_string(sig) + ", \"signal_name\": " +
                  jsonString(name ? std::string("SIG") + name : "signal " + std::to_string(sig)) +
                  ", \"core_dumped\": " + (WCOREDUMP(status) ? "true" : "false");
        ownExit = 128 + sig;
    } else {
        ownExit = WEXITSTATUS(status);
        record += "\"exit_code\": " + std::to_string(ownExit);
        if (!container.empty() && ownExit != 0 && !g_terminateRequested)
            explainContainerEnd(log, container, ownExit);
    }
    record += ", \"terminate_requested\": " + std::string(g_terminateRequested ? "true" : "false") +
              ", \"started_at\": " + std::to_string(startedAt) + ", \"ended_at\": " + std::to_string(nowMs()) + "}\n";
    if (!writeAtomically("exit.json", record))
        logLine(log, std::string("cannot write exit.json: ") + std::strerror(errno));
    close(log);
    return ownExit;
}
