// SlurmRunLauncher: Preparing -> Starting for one claimed Slurm run; see the header.
#include "core/runs/SlurmRunLauncher.h"

#include "core/containers/SlurmContainer.h"
#include "core/datasets/DatasetMaterializer.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/environments/EnvironmentPreparer.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/LocalRunLauncher.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/slurm/SlurmRunJob.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace mldesk::core {

std::optional<SlurmRunLaunch> SlurmRunLauncher::prepare(Database &db, BlobStore &blobs, const QString &workspacePath,
                                                        const RunRecord &run, const ComputeTarget &target,
                                                        const Options &options)
{
    const QString runDir = run.runDir;
    RunStore store(db);
    auto onNodes = [&](const QString &localPath) {
        QString error;
        const QString path = SlurmRunJob::clusterPath(target.slurm, localPath, &error);
        if (path.isEmpty())
            throw WorkspaceError(error);
        return path;
    };

    // Datasets: always verified copies inside the run folder - a mount's links point into this machine's blob
    // store, which the nodes do not see. The copies are removed again when the run is finalized.
    DatasetRegistry datasets(db);
    for (const QJsonValue &v : run.configuration.value(u"datasets"_s).toArray()) {
        const QJsonObject d = v.toObject();
        const QString folder = LocalRunLauncher::inputFolder(runDir, d);
        if (QDir(folder).exists() && !QDir(folder).isEmpty())
            continue;
        const DatasetVersion version = datasets.version(d.value(u"name"_s).toString(), d.value(u"version"_s).toInt());
        appendSystemLog(runDir,
                        u"copying dataset %1 version %2 into the run folder for the cluster's nodes"_s.arg(version.name)
                            .arg(version.version));
        DatasetMaterializer::download(blobs, datasets.files(version), folder);
    }
    QStringList arguments = LocalRunLauncher::resolvedArguments(run, onNodes);

    const QJsonObject envConfig = run.configuration.value(u"environment"_s).toObject();
    const EnvironmentVersion environment =
        EnvironmentRegistry(db).version(envConfig.value(u"name"_s).toString(), envConfig.value(u"version"_s).toInt());
    const QString pythonDir = runDir + u"/.mldesk"_s;
    LocalRunLauncher::writeRunContextModule(pythonDir);
    EnvironmentPreparer::Options prepOptions;
    prepOptions.workspacePath = workspacePath;
    prepOptions.runContextPythonPath = pythonDir;
    // A container environment is prepared on the nodes (pyxis pulls its image), not here.
    const PreparedEnvironment prepared =
        environment.isContainer() ? PreparedEnvironment{}
                                  : EnvironmentPreparer::prepare(
                                        environment, prepOptions,
                                        [&](const QString &line) { appendSystemLog(runDir, line); }, options.cancel);

    SlurmRunLaunch launch;
    launch.uid = run.uid;
    launch.experiment = run.experiment;
    launch.runDir = runDir;
    launch.supervisor = options.supervisorPath.isEmpty() ? LocalProcess::findSupervisor() : options.supervisorPath;
    if (launch.supervisor.isEmpty())
        throw WorkspaceError(u"mldesk-supervisor was not found; install it next to MLDesk"_s);
    // The job's environment is built from the environment version alone: nothing of this machine's own
    // environment (its PATH, PYTHONPATH, tokens) goes to the cluster.
    launch.environment = environment.variables;
    QStringList pythonPath{onNodes(pythonDir)};
    if (LocalRunLauncher::wantsAzureMlShim(environment, prepared, runDir + u"/snapshot"_s))
        pythonPath.prepend(onNodes(pythonDir + u"/azureml-compat"_s));
    const QString ownPythonPath = environment.variables.value(u"PYTHONPATH"_s);
    if (!ownPythonPath.isEmpty())
        pythonPath.append(ownPythonPath);

    const QJsonObject entry = run.configuration.value(u"entry"_s).toObject();
    if (entry.value(u"kind"_s).toString() == u"builtin"_s) {
        launch.program = options.trainerPath.isEmpty() ? LocalProcess::findTrainer() : options.trainerPath;
        if (launch.program.isEmpty())
            throw WorkspaceError(u"the built-in trainer mldesk-train was not found; install it next to MLDesk "
                                 u"or set MLDESK_TRAIN to its path"_s);
        launch.stageProgram = true; // copied into the shared folder, where the nodes find it
    } else {
        if (!prepared.condaPrefix.isEmpty()) {
            const QString prefix = onNodes(prepared.condaPrefix);
            launch.program = prefix + u"/bin/python"_s;
            launch.environment.insert(u"CONDA_PREFIX"_s, prefix);
            launch.environment.insert(u"PATH"_s, prefix + u"/bin:/usr/local/bin:/usr/bin:/bin"_s);
        } else {
            launch.program = prepared.python; // System-Python: the same interpreter path on the nodes
            appendSystemLog(runDir, u"the script runs with %1 on the cluster's nodes"_s.arg(launch.program));
        }
        launch.stageProgram = false;
        arguments.prepend(onNodes(runDir + u"/snapshot/"_s + entry.value(u"name"_s).toString()));
    }
    if (environment.isContainer()) { // the supervisor on the node runs `srun --container-image=... python3 ...`
        const QString why = SlurmContainer::refusal(environment, target);
        if (!why.isEmpty())
            throw WorkspaceError(why);
        if (launch.stageProgram)
            throw WorkspaceError(u"the built-in trainer runs on the nodes themselves, not in a container; submit it "
                                 u"with the MLDesk-Native environment"_s);
        arguments = SlurmContainer::srunArguments(environment, onNodes(runDir)) + arguments;
        launch.program = SlurmContainer::srunProgram();
    }
    launch.environment.insert(u"PYTHONPATH"_s, pythonPath.join(u':'));
    if (!run.parentUid.isEmpty())
        launch.environment.insert(u"MLDESK_PARENT_RUN_ID"_s, run.parentUid); // run.parent in the script
    launch.arguments = arguments;

    if (store.findById(run.id).value_or(run).cancelRequested) {
        store.transition(run.id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                         {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                          {u"failure_reason"_s, QVariant(u"canceled before it started"_s)}});
        return std::nullopt;
    }
    if (!store.transition(run.id, {RunState::Preparing}, RunState::Starting,
                          u"submitting to Slurm target %1"_s.arg(target.name)))
        return std::nullopt;
    appendSystemLog(runDir, u"submitting to Slurm target %1 (%2): %3%4 %5"_s.arg(
                                target.name, target.slurm.url, launch.program,
                                launch.stageProgram ? u" (copied into the shared folder for the nodes)"_s : QString(),
                                arguments.join(u' ')));
    return launch;
}

} // namespace mldesk::core
