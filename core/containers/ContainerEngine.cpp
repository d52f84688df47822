// ContainerEngine: detection and blocking engine calls; see the header.
#include "core/containers/ContainerEngine.h"

#include "core/environments/StreamedProcess.h"
#include "core/settings/Settings.h"
#include "core/workspace/WorkspaceError.h"

#include <QFileInfo>
#include <QStandardPaths>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString findOn(const QString &name, const QStringList &searchPath)
{
    return searchPath.isEmpty() ? QStandardPaths::findExecutable(name)
                                : QStandardPaths::findExecutable(name, searchPath);
}

} // namespace

bool ContainerEngine::rootless() const
{
    return kind == Kind::Podman && ::getuid() != 0;
}

ContainerEngine::Kind ContainerEngine::kindOf(const QString &program)
{
    return QFileInfo(program).fileName().contains(u"docker"_s) ? Kind::Docker : Kind::Podman;
}

QString ContainerEngine::configuredChoice()
{
    const QString fromEnv = qEnvironmentVariable("MLDESK_CONTAINER_ENGINE");
    return fromEnv.isEmpty() ? Settings::containerEngine() : fromEnv;
}

ContainerEngine ContainerEngine::detect(const QString &choice, const QStringList &searchPath)
{
    const QString wanted = choice.trimmed().isEmpty() ? u"auto"_s : choice.trimmed();
    QString program;
    if (wanted == u"auto"_s) {
        program = findOn(u"podman"_s, searchPath);
        if (program.isEmpty())
            program = findOn(u"docker"_s, searchPath);
        if (program.isEmpty())
            throw WorkspaceError(u"this environment runs in a container, and neither podman nor docker is installed; "
                                 u"install one (apt install podman) or pick an environment without a docker image"_s);
    } else if (wanted == u"podman"_s || wanted == u"docker"_s) {
        program = findOn(wanted, searchPath);
        if (program.isEmpty())
            throw WorkspaceError(
                u"the container engine is set to '%1', which is not installed; install it or set "
                u"the engine to 'auto' (setting containers/engine or MLDESK_CONTAINER_ENGINE)"_s.arg(wanted));
    } else {
        if (!QFileInfo(wanted).isExecutable())
            throw WorkspaceError(u"the container engine '%1' is not an executable; use 'auto', 'podman', 'docker' or "
                                 u"the path of one of them"_s.arg(wanted));
        program = QFileInfo(wanted).absoluteFilePath();
    }
    ContainerEngine engine;
    engine.program = program;
    engine.kind = kindOf(program);
    // crun cannot create containers with cgroups v1 in hybrid mode ("cgroups in hybrid mode not supported"); runc can.
    if (engine.kind == Kind::Podman && !QFileInfo::exists(u"/sys/fs/cgroup/cgroup.controllers"_s) &&
        !findOn(u"runc"_s, searchPath).isEmpty())
        engine.globalArguments = {u"--runtime"_s, findOn(u"runc"_s, searchPath)};
    return engine;
}

int ContainerEngine::exec(const QStringList &arguments, const std::function<void(const QString &)> &log,
                          const std::atomic_bool *cancel, int timeoutMs, QString *output, QString *error) const
{
    const StreamedProcess::Result result =
        StreamedProcess::run(program, globalArguments + arguments, log, cancel, timeoutMs, output);
    if (error && result.end == StreamedProcess::End::NotStarted)
        *error = result.error;
    else if (error && result.end == StreamedProcess::End::Canceled)
        *error = u"canceled"_s;
    else if (error && result.end == StreamedProcess::End::TimedOut)
        *error = u"%1 took longer than %2 s and was stopped"_s.arg(name()).arg(timeoutMs / 1000);
    return result.end == StreamedProcess::End::Exited ? result.exitCode : -1;
}

bool ContainerEngine::imageExists(const QString &image) const
{
    if (kind == Kind::Podman)
        return exec({u"image"_s, u"exists"_s, image}, {}, nullptr, 60000) == 0;
    return exec({u"image"_s, u"inspect"_s, u"--format"_s, u"{{.Id}}"_s, image}, {}, nullptr, 60000) == 0;
}

} // namespace mldesk::core
