// ContainerLaunch: a local run's job as a container run; see the header.
#include "core/containers/ContainerLaunch.h"

#include "core/containers/ContainerCommand.h"
#include "core/containers/ContainerEngine.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

QString ContainerLaunch::containerName(const QString &runUid)
{
    QString safe = runUid;
    safe.replace(QRegularExpression(u"[^A-Za-z0-9_.-]"_s), u"_"_s);
    return u"mldesk-"_s + safe;
}

QString ContainerLaunch::containerOf(const QString &runDir)
{
    QFile f(runDir + u"/container.json"_s);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object().value(u"name"_s).toString();
}

ContainerLaunch::Wrapped ContainerLaunch::wrap(const ContainerEngine &engine, const EnvironmentVersion &environment,
                                               const Job &job)
{
    ContainerRunSpec spec;
    spec.name = containerName(job.runUid);
    spec.image = job.image;
    spec.workdir = job.runDir;
    spec.command = QStringList{job.program} + job.arguments;
    spec.network = environment.containerNetwork;
    spec.uid = ::getuid();
    spec.gid = ::getgid();
    ContainerCommand::currentLimits(&spec.openFiles, &spec.processes);
    spec.mounts.append({job.runDir, job.runDir, false});
    if (!job.blobsDir.isEmpty() && QDir(job.blobsDir).exists())
        spec.mounts.append({job.blobsDir, job.blobsDir, true});
    if (QDir(job.runDir + u"/inputs"_s).exists())
        spec.mounts.append({job.runDir + u"/inputs"_s, job.runDir + u"/inputs"_s, true});
    if (job.device.startsWith(u"gpu:"_s))
        spec.gpus = job.device.mid(4).split(u',', Qt::SkipEmptyParts);

    for (const QString &name : job.environment.keys()) {
        if (name.startsWith(u"MLDESK_"_s) || job.passNames.contains(name) || name == u"PYTHONPATH"_s ||
            name == u"PYTHONUNBUFFERED"_s)
            spec.environment.insert(name, job.environment.value(name));
    }
    if (!spec.environment.contains(u"HOME"_s))
        spec.environment.insert(u"HOME"_s, u"/tmp"_s); // the user's uid has no home in the image
    // The container sees only its own GPUs, numbered from 0: CUDA_VISIBLE_DEVICES of the host does not apply.
    if (spec.gpus.isEmpty())
        spec.environment.insert(u"CUDA_VISIBLE_DEVICES"_s, QString());

    Wrapped out;
    out.containerName = spec.name;
    out.program = engine.program;
    out.arguments = engine.globalArguments + ContainerCommand::runArguments(engine, spec);
    out.supervisorOptions = {u"--container"_s, spec.name, u"--engine"_s, engine.program};
    out.gpuNote = ContainerCommand::gpuFlags(engine.kind, spec.gpus,
                                             engine.kind == ContainerEngine::Kind::Podman &&
                                                 ContainerCommand::nvidiaCdiAvailable())
                      .note;

    QFile record(job.runDir + u"/container.json"_s);
    if (!record.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(record.fileName(), record.errorString()));
    record.write(QJsonDocument(QJsonObject{{u"name"_s, spec.name},
                                           {u"image"_s, spec.image},
                                           {u"engine"_s, engine.program},
                                           {u"engine_kind"_s, engine.name()}})
                     .toJson());
    return out;
}

} // namespace mldesk::core
