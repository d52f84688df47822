// ContainerEngine: the container engine MLDesk drives for container environments - podman or docker, whichever is
// installed (a setting or $MLDESK_CONTAINER_ENGINE picks when both are) - and the small blocking calls made on it
// while a run is prepared (image exists, pull, build with its log streamed, stop). Call from a worker thread.
#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace mldesk::core {

class ContainerEngine final {
public:
    enum class Kind { Podman, Docker };

    Kind kind = Kind::Podman;
    QString program;             // absolute path of podman or docker
    QStringList globalArguments; // before the subcommand: podman on cgroup v1 gets "--runtime runc" (crun fails)

    QString name() const { return kind == Kind::Podman ? QStringLiteral("podman") : QStringLiteral("docker"); }
    bool rootless() const; // podman started by a user other than root

    // choice: "auto" or empty (podman, else docker), "podman", "docker", or a path to either. Throws WorkspaceError
    // saying what to install when there is none. searchPath empty: $PATH.
    static ContainerEngine detect(const QString &choice, const QStringList &searchPath = {});
    // $MLDESK_CONTAINER_ENGINE when set, else the setting (Settings::containerEngine).
    static QString configuredChoice();
    // For engine program names (podman, podman-remote, /usr/bin/docker ...): the kind, from the file name.
    static Kind kindOf(const QString &program);

    // Runs `program globalArguments arguments`; every output line goes to log. Returns the exit code (-1 when it
    // could not start, was canceled or timed out; *error then says which). *output gets stdout+stderr.
    int exec(const QStringList &arguments, const std::function<void(const QString &)> &log = {},
             const std::atomic_bool *cancel = nullptr, int timeoutMs = 120000, QString *output = nullptr,
             QString *error = nullptr) const;

    bool imageExists(const QString &image) const;
};

} // namespace mldesk::core
