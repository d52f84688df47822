// ContainerBackend: which runs are container runs, and the container a gone supervisor left; see the header.
#include "core/runs/ContainerBackend.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunFiles.h"
#include "core/workspace/Workspace.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>

using namespace Qt::StringLiterals;

namespace mldesk::core {

bool ContainerBackend::isContainerRun(Workspace &workspace, const RunRecord &run)
{
    const QJsonObject env = run.configuration.value(u"environment"_s).toObject();
    try {
        return EnvironmentRegistry(workspace.database())
            .version(env.value(u"name"_s).toString(), env.value(u"version"_s).toInt())
            .isContainer();
    } catch (const std::exception &) {
        return false; // an environment that is gone: the launcher says so when it starts the run
    }
}

void ContainerBackend::stopLeftovers(const RunWatch &w)
{
    // The supervisor normally stops its container; killed itself (kill -9), it could not: the container (under its
    // engine's monitor, not in the supervisor's process group) would run on. Detached: `stop` may take seconds.
    QFile f(w.run.runDir + u"/container.json"_s);
    if (!f.open(QIODevice::ReadOnly))
        return;
    const QJsonObject record = QJsonDocument::fromJson(f.readAll()).object();
    const QString name = record.value(u"name"_s).toString();
    const QString engine = record.value(u"engine"_s).toString();
    if (name.isEmpty() || engine.isEmpty())
        return;
    appendSystemLog(w.run.runDir, u"the supervisor is gone: stopping container %1 (%2 stop)"_s.arg(name, engine));
    QProcess::startDetached(engine, {u"stop"_s, u"-t"_s, u"3"_s, name});
}

} // namespace mldesk::core
