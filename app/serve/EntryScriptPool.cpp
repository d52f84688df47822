// EntryScriptPool: fork/exec of the Python workers, the frame protocol and restarts; see the header.
#include "EntryScriptPool.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace mldesk::serve {

namespace {

// The worker's main program (python -c): protocol on the original stdin/stdout, the script's stdout on stderr.
const char *kDriver = R"PY(
import importlib.util, json, os, struct, sys, traceback
entry = os.path.abspath(sys.argv[1])
proto_in = os.fdopen(os.dup(0), 'rb', buffering=0)
proto_out = os.fdopen(os.dup(1), 'wb', buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
sys.path.insert(0, os.path.dirname(entry))
def read_exact(n):
    data = b''
    while len(data) < n:
        chunk = proto_in.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data
try:
    spec = importlib.util.spec_from_file_location('score', entry)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    score.init()
except BaseException:
    traceback.print_exc()
    sys.stderr.flush()
    os._exit(3)
proto_out.write(b'R')
while True:
    header = read_exact(4)
    if header is None:
        break
    body = read_exact(struct.unpack('>I', header)[0])
    if body is None:
        break
    try:
        payload, status = json.dumps(score.run(body.decode('utf-8'))).encode(), 200
    except Exception as e:
        traceback.print_exc()
        payload, status = json.dumps({'error': 'run() raised %s: %s' % (type(e).__name__, e)}).encode(), 500
    proto_out.write(struct.pack('>IH', len(payload), status) + payload)
)PY";

// Moves all of size bytes through fd (short reads and writes, EINTR); false on EOF or error.
template <typename Buffer, typename Transfer>
bool transferAll(int fd, Buffer *data, std::size_t size, Transfer transfer)
{
    while (size > 0) {
        const ssize_t n = transfer(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= std::size_t(n);
    }
    return true;
}

bool writeAll(int fd, const char *data, std::size_t size)
{
    return transferAll(fd, data, size, ::write);
}

bool readAll(int fd, char *data, std::size_t size)
{
    return transferAll(fd, data, size, ::read);
}

} // namespace

EntryScriptPool::EntryScriptPool(Options options, std::function<void(const std::string &)> log)
    : m_options(std::move(options)), m_log(std::move(log))
{
    ::signal(SIGPIPE, SIG_IGN); // a dead worker is seen as a failed write, not a signal
}

EntryScriptPool::~EntryScriptPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (Worker &w : m_workers)
        if (w.toChild >= 0)
            ::close(w.toChild); // EOF: the driver's loop ends
    for (std::thread &t : m_threads)
        t.join();
    for (Worker &w : m_workers)
        stopWorker(w);
}

bool EntryScriptPool::spawn(Worker &w, std::string *error)
{
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
        *error = std::string("cannot create pipes: ") + std::strerror(errno);
        return false;
    }
    // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
    std::vector<std::string> env;
    for (char **e = environ; *e; ++e) {
        const std::string entry = *e;
        if (entry.rfind("AZUREML_MODEL_DIR=", 0) != 0 && entry.rfind("PYTHONPATH=", 0) != 0)
            env.push_back(entry);
    }
    env.push_back("AZUREML_MODEL_DIR=" + m_options.modelDir);
    const char *oldPath = std::getenv("PYTHONPATH");
    std::string pythonPath = m_options.pythonPath;
    if (oldPath && *oldPath)
        pythonPath += (pythonPath.empty() ? "" : ":") + std::string(oldPath);
    if (!pythonPath.empty())
        env.push_back("PYTHONPATH=" + pythonPath);
    std::vector<char *> envp;
    for (std::string &e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args;
    const std::string id = std::to_string(::getpid()) + "-" + std::to_string(++m_starts);
    for (std::string a : m_options.prefix) {
        for (std::size_t at; (at = a.find("{worker}")) != std::string::npos;)
            a.replace(at, 8, id);
        args.push_back(std::move(a));
    }
    args.insert(args.end(), {m_options.python, "-u", "-c", kDriver, m_options.entry});
    std::vector<char *> argv;
    for (std::string &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    static const char kExecFailed[] = "mldesk-serve: cannot run the entry script's Python\n";

    const pid_t pid = ::fork();
    if (pid < 0) {
        *error = std::string("cannot start Python: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO); // stderr stays: the server's log
        ::execvpe(argv[0], argv.data(), envp.data());
        [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    w.pid = pid;
    w.toChild = in[1];
    w.fromChild = out[0];
    char ready = 0;
    if (!readAll(w.fromChild, &ready, 1) || ready != 'R') {
        int status = 0;
        ::waitpid(pid, &status, 0);
        w.pid = -1;
        stopWorker(w);
        *error = "the entry script " + m_options.entry + " failed in init() or could not be imported (exit code " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                 "; its traceback is in the log above)";
        return false;
    }
    return true;
}

void EntryScriptPool::stopWorker(Worker &w)
{
    if (w.toChild >= 0)
        ::close(w.toChild);
    if (w.fromChild >= 0)
        ::close(w.fromChild);
    w.toChild = w.fromChild = -1;
    if (w.pid > 0) {
        ::kill(w.pid, SIGTERM);
        ::waitpid(w.pid, nullptr, 0);
    }
    w.pid = -1;
}

bool EntryScriptPool::start(std::string *error)
{
    m_workers.resize(std::size_t(std::max(1, m_options.workers)));
    for (Worker &w : m_workers)
        if (!spawn(w, error))
            return false;
    for (std::size_t i = 0; i < m_workers.size(); ++i)
        m_threads.emplace_back([this, i] { serve(i); });
    return true;
}

bool EntryScriptPool::submit(std::string body, Done done)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.size() >= m_options.maxQueued)
            return false;
        m_queue.push_back({std::move(body), std::move(done)});
    }
    m_wake.notify_one();
    return true;
}

void EntryScriptPool::serve(std::size_t index)
{
    Worker &w = m_workers[index];
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_stop)
                return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        if (w.pid < 0) { // died earlier and could not be restarted then
            std::string error;
            if (!spawn(w, &error)) {
                job.done(503, "{\"error\": \"the entry script cannot be started again; see the endpoint's log\"}");
                continue;
            }
        }
        const unsigned char header[4] = {
            static_cast<unsigned char>(job.body.size() >> 24), static_cast<unsigned char>(job.body.size() >> 16),
            static_cast<unsigned char>(job.body.size() >> 8), static_cast<unsigned char>(job.body.size())};
        unsigned char answer[6];
        bool ok = writeAll(w.toChild, reinterpret_cast<const char *>(header), 4) &&
                  writeAll(w.toChild, job.body.data(), job.body.size()) &&
                  readAll(w.fromChild, reinterpret_cast<char *>(answer), 6);
        std::string payload;
        if (ok) {
            const std::size_t size = std::size_t(answer[0]) << 24 | std::size_t(answer[1]) << 16 |
                                     std::size_t(answer[2]) << 8 | std::size_t(answer[3]);
            payload.resize(size);
            ok = readAll(w.fromChild, payload.data(), size);
        }
        if (ok) {
            job.done(int(answer[4]) << 8 | int(answer[5]), std::move(payload));
            continue;
        }
        int status = 0;
        ::waitpid(w.pid, &status, 0);
        const std::string what = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                     : "exited with code " + std::to_string(WEXITSTATUS(status));
        m_log("the entry script's worker (pid " + std::to_string(w.pid) + ") " + what + "; starting it again");
        w.pid = -1;
        stopWorker(w);
        job.done(500, "{\"error\": \"the entry script's process " + what + " while scoring this request\"}");
        std::string error;
        if (!spawn(w, &error))
            m_log("the entry script could not be started again: " + error);
    }
}

} // namespace mldesk::serve
