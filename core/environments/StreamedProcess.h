// StreamedProcess: runs a tool (conda, mamba, podman build ...) to its end, blocking, with every output line handed
// to a log callback as it comes, a cancel flag and a time limit. Used while a run is prepared, on a worker thread.
#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace mldesk::core {

class StreamedProcess final {
public:
    enum class End { Exited, NotStarted, Crashed, Canceled, TimedOut };
    struct Result {
        End end = End::NotStarted;
        int exitCode = -1;
        QString error; // for NotStarted: why
        bool ok() const { return end == End::Exited && exitCode == 0; }
    };

    // stdout and stderr merged; *output (when given) gets all of it.
    static Result run(const QString &program, const QStringList &arguments,
                      const std::function<void(const QString &line)> &log, const std::atomic_bool *cancel,
                      int timeoutMs, QString *output = nullptr);
};

} // namespace mldesk::core
