// EnvironmentPreparer: curated environments and conda environments per content hash; see the header.
#include "core/environments/EnvironmentPreparer.h"

#include "core/containers/ContainerEngine.h"
#include "core/containers/ContainerImage.h"
#include "core/environments/StreamedProcess.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QStandardPaths>
#include <QTemporaryFile>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QString kReadyMarker = u".mldesk-ready"_s;

QString pathListJoin(const QString &first, const QString &rest)
{
    return rest.isEmpty() ? first : first + u':' + rest;
}

QString flavourOf(const QString &tool)
{
    const QString base = QFileInfo(tool).fileName();
    if (base.contains(u"micromamba"_s))
        return u"micromamba"_s;
    if (base.contains(u"mamba"_s))
        return u"mamba"_s;
    return u"conda"_s;
}

} // namespace

QString EnvironmentPreparer::findCondaTool(const Options &options, QString *flavour)
{
    QString tool = options.condaExecutable;
    if (tool.isEmpty())
        tool = qEnvironmentVariable("MLDESK_CONDA");
    if (tool.isEmpty()) {
        for (const QString &name : {u"mamba"_s, u"micromamba"_s, u"conda"_s}) {
            tool = options.searchPath.isEmpty() ? QStandardPaths::findExecutable(name)
                                                : QStandardPaths::findExecutable(name, options.searchPath);
            if (!tool.isEmpty())
                break;
        }
    }
    if (!tool.isEmpty() && !QFileInfo(tool).isExecutable())
        tool.clear();
    if (flavour)
        *flavour = tool.isEmpty() ? QString() : flavourOf(tool);
    return tool;
}

QString EnvironmentPreparer::condaPrefixFor(const QString &workspacePath, const EnvironmentVersion &environment)
{
    return QDir(workspacePath).filePath(u"envs/conda/"_s + environment.specHash.left(24));
}

PreparedEnvironment EnvironmentPreparer::prepare(const EnvironmentVersion &environment, const Options &options,
                                                 const std::function<void(const QString &)> &log,
                                                 const std::atomic_bool *cancel)
{
    PreparedEnvironment out;
    out.variables = environment.variables;
    auto withRunContext = [&](const QString &pythonPath) {
        if (!options.runContextPythonPath.isEmpty())
            out.variables.insert(u"PYTHONPATH"_s, pathListJoin(options.runContextPythonPath, pythonPath));
    };
    switch (environment.kind) {
    case EnvironmentVersion::Kind::Native:
        return out;
    case EnvironmentVersion::Kind::SystemPython: {
        out.python = options.searchPath.isEmpty() ? QStandardPaths::findExecutable(u"python3"_s)
                                                  : QStandardPaths::findExecutable(u"python3"_s, options.searchPath);
        if (out.python.isEmpty())
            throw WorkspaceError(u"environment 'System-Python' needs python3 on PATH, and there is none; install "
                                 u"Python 3 (e.g. apt install python3) or pick another environment"_s);
        withRunContext(qEnvironmentVariable("PYTHONPATH"));
        return out;
    }
    case EnvironmentVersion::Kind::Conda:
        break;
    }
    if (environment.isContainer()) {
        const QString choice =
            options.containerEngine.isEmpty() ? ContainerEngine::configuredChoice() : options.containerEngine;
        const ContainerEngine engine = ContainerEngine::detect(choice, options.searchPath);
        if (log)
            log(u"container environment: %1 (%2)"_s.arg(engine.name(), engine.program));
        const ContainerImageResult image = ContainerImage::ensure(engine, environment, log, cancel, options.timeoutMs);
        out.containerImage = image.image;
        out.containerEngine = engine.program;
        out.python = image.python;
        out.createdNow = image.builtNow;
        withRunContext(QString()); // the image's own PYTHONPATH, not the host's
        return out;
    }

    QString flavour;
    const QString tool = findCondaTool(options, &flavour);
    if (tool.isEmpty())
        throw WorkspaceError(
            u"environment '%1' version %2 is a conda environment, and neither conda nor mamba is "
            u"installed here; install Miniforge (https://conda-forge.org/download) or micromamba, "
            u"or set MLDESK_CONDA to its executable - or run with the System-Python environment"_s.arg(environment.name)
                .arg(environment.version));
    const QString prefix = condaPrefixFor(options.workspacePath, environment);
    out.condaPrefix = prefix;
    out.python = prefix + u"/bin/python"_s;
    out.variables.insert(u"CONDA_PREFIX"_s, prefix);
    out.variables.insert(u"PATH"_s, pathListJoin(prefix + u"/bin"_s, qEnvironmentVariable("PATH")));
    withRunContext(QString());

    if (!QDir().mkpath(QFileInfo(prefix).absolutePath()))
        throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(QFileInfo(prefix).absolutePath()));
    // Two runs preparing the same environment at once: the second waits for the first, then reuses its result.
    QLockFile lock(prefix + u".lock"_s);
    lock.setStaleLockTime(0);
    while (!lock.tryLock(200)) {
        if (cancel && *cancel)
            throw WorkspaceError(u"preparing environment '%1' canceled"_s.arg(environment.name));
    }
    if (QFileInfo::exists(prefix + u'/' + kReadyMarker))
        return out;
    if (QFileInfo::exists(prefix)) // a half-made environment from an interrupted attempt
        QDir(prefix).removeRecursively();

    QTemporaryFile spec(QDir::tempPath() + u"/mldesk-env-XXXXXX.yml"_s);
    if (!spec.open() || spec.write(environment.specText.toUtf8()) < 0 || !spec.flush())
        throw WorkspaceError(u"cannot write a temporary copy of the conda specification: %1"_s.arg(spec.errorString()));
    QStringList arguments =
        flavour == u"micromamba"_s
            ? QStringList{u"create"_s, u"--yes"_s, u"--prefix"_s, prefix, u"--file"_s, spec.fileName()}
            : QStringList{u"env"_s, u"create"_s, u"--prefix"_s, prefix, u"--file"_s, spec.fileName()};
    if (log)
        log(u"Creating conda environment %1 with %2 %3"_s.arg(prefix, tool, arguments.join(u' ')));
    const StreamedProcess::Result result = StreamedProcess::run(tool, arguments, log, cancel, options.timeoutMs);
    if (result.end == StreamedProcess::End::NotStarted)
        throw WorkspaceError(result.error);
    if (result.end == StreamedProcess::End::Canceled || result.end == StreamedProcess::End::TimedOut) {
        QDir(prefix).removeRecursively();
        throw WorkspaceError(result.end == StreamedProcess::End::Canceled
                                 ? u"preparing environment '%1' canceled"_s.arg(environment.name)
                                 : u"creating conda environment '%1' took longer than %2 min; it was "
                                   u"stopped"_s.arg(environment.name)
                                       .arg(options.timeoutMs / 60000));
    }
    if (!result.ok() || !QFileInfo(out.python).isExecutable()) {
        QDir(prefix).removeRecursively();
        throw WorkspaceError(u"%1 could not create environment '%2' version %3 (exit code %4); see the lines above "
                             u"for the package it failed on, fix the conda file and create a new version"_s
                                 .arg(QFileInfo(tool).fileName(), environment.name)
                                 .arg(environment.version)
                                 .arg(result.exitCode));
    }
    QFile marker(prefix + u'/' + kReadyMarker);
    if (!marker.open(QIODevice::WriteOnly))
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(marker.fileName(), marker.errorString()));
    marker.write(environment.specHash.toUtf8());
    out.createdNow = true;
    return out;
}

} // namespace mldesk::core
