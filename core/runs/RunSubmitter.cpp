// RunSubmitter: validation, snapshot and recording of a new run; see the header.
#include "core/runs/RunSubmitter.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/containers/SlurmContainer.h"
#include "core/datasets/DatasetReference.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunEvents.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/slurm/SlurmRunBackend.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

bool insideFolder(const QString &folder, const QString &relative)
{
    if (relative.isEmpty() || QDir::isAbsolutePath(relative))
        return false;
    const QString root = QFileInfo(folder).canonicalFilePath();
    const QString file = QFileInfo(QDir(folder).filePath(relative)).canonicalFilePath();
    return !root.isEmpty() && !file.isEmpty() && file.startsWith(root + u'/');
}

} // namespace

QString RunSubmitter::newRunId(const QString &experiment)
{
    return u"%1_%2_%3"_s.arg(experiment)
        .arg(QDateTime::currentSecsSinceEpoch())
        .arg(QRandomGenerator::global()->generate(), 8, 16, QChar(u'0'));
}

QStringList RunSubmitter::validate(const RunRequest &request) const
{
    QStringList problems;
    Database &db = m_workspace.database();
    if (request.experiment.isEmpty())
        problems.append(u"no experiment given; name one (it is created on first use)"_s);
    else if (!ExperimentStore::isValidName(request.experiment))
        problems.append(u"experiment name '%1' is not valid: use letters, digits, '_', '-' and '.', starting with a "
                        u"letter or digit"_s.arg(request.experiment));

    const bool builtin = request.entry == RunRequest::Entry::BuiltinTrainer;
    if (request.sourceFolder.isEmpty() && !builtin)
        problems.append(u"no source folder given; name the folder that holds the script"_s);
    else if (!request.sourceFolder.isEmpty() && !QFileInfo(request.sourceFolder).isDir())
        problems.append(u"source folder '%1' does not exist or is not a folder"_s.arg(request.sourceFolder));
    if (!builtin) {
        if (request.script.isEmpty())
            problems.append(u"no script given; name a script inside the source folder, or use the built-in "
                            u"trainer"_s);
        else if (QFileInfo(request.sourceFolder).isDir() && !insideFolder(request.sourceFolder, request.script))
            problems.append(u"script '%1' is not a file inside the source folder '%2' (give its path relative to "
                            u"that folder)"_s.arg(request.script, request.sourceFolder));
        else if (QFileInfo(request.sourceFolder).isDir() &&
                 !QFileInfo(QDir(request.sourceFolder).filePath(request.script)).isFile())
            problems.append(u"script '%1' is not a file in '%2'"_s.arg(request.script, request.sourceFolder));
    }

    EnvironmentRegistry environments(db);
    std::optional<EnvironmentVersion> environment;
    if (request.environment.isEmpty()) {
        problems.append(u"no environment given; use MLDesk-Native for the built-in trainer or System-Python for "
                        u"scripts ('mldesk-cli environment list' shows all)"_s);
    } else {
        try {
            environment = environments.resolve(request.environment);
        } catch (const WorkspaceError &e) {
            problems.append(e.message());
        }
    }
    if (environment) {
        if (!builtin && environment->kind == EnvironmentVersion::Kind::Native)
            problems.append(u"environment '%1' runs only the built-in trainer; use System-Python or a conda "
                            u"environment for the script '%2'"_s.arg(environment->name, request.script));
    }

    ComputeTargetRegistry targets(db);
    if (request.compute.isEmpty()) {
        problems.append(u"no compute target given; use 'local'"_s);
    } else if (auto target = targets.find(request.compute)) {
        if (target->kind == ComputeTarget::Kind::Slurm) {
            const QFileInfo shared(target->slurm.sharedDirLocal);
            if (target->slurm.sharedDirLocal.isEmpty())
                problems.append(u"compute target '%1' has no shared folder; recreate it with --shared-dir DIR (a "
                                u"folder this machine and the cluster's nodes both see)"_s.arg(request.compute));
            else if (!shared.isDir() || !shared.isWritable())
                problems.append(
                    u"the shared folder '%1' of compute target '%2' does not exist or is not writable "
                    u"here; mount it, or fix the target"_s.arg(target->slurm.sharedDirLocal, request.compute));
            if (environment && environment->isContainer()) {
                if (const QString why = SlurmContainer::refusal(*environment, *target); !why.isEmpty())
                    problems.append(why);
            } else if (environment && environment->kind == EnvironmentVersion::Kind::Conda &&
                       !QDir::cleanPath(m_workspace.path())
                            .startsWith(QDir::cleanPath(target->slurm.sharedDirLocal) + u'/'))
                problems.append(u"environment '%1' is a conda environment, which MLDesk creates inside the "
                                u"workspace; the workspace is not inside the shared folder '%2' of compute target "
                                u"'%3', so the cluster's nodes cannot use it - use System-Python (the nodes' "
                                u"python3) or MLDesk-Native"_s.arg(environment->name, target->slurm.sharedDirLocal,
                                                                   request.compute));
        }
    } else {
        QStringList names;
        for (const ComputeTarget &t : targets.list())
            names.append(t.name);
        problems.append(
            u"there is no compute target '%1'; targets are: %2"_s.arg(request.compute, names.join(u", "_s)));
    }

    DatasetRegistry datasets(db);
    for (const QString &argument : request.arguments) {
        try {
            for (const DatasetReference &ref : DatasetReference::findAll(argument))
                datasets.version(ref.name, ref.version);
        } catch (const WorkspaceError &e) {
            problems.append(u"argument '%1': %2"_s.arg(argument, e.message()));
        }
    }
    for (auto it = request.tags.cbegin(); it != request.tags.cend(); ++it)
        if (it.key().isEmpty())
            problems.append(u"a tag has an empty key; write tags as key=value"_s);
    if (const QString problem = runPriorityProblem(request.priority); !problem.isEmpty())
        problems.append(problem);
    return problems;
}

RunRecord RunSubmitter::submit(const RunRequest &request, qint64 snapshotLimitBytes)
{
    const QStringList problems = validate(request);
    if (!problems.isEmpty())
        throw WorkspaceError(problems.size() == 1
                                 ? QString(u"cannot submit the run: "_s + problems.first())
                                 : QString(u"cannot submit the run: "_s + QString::number(problems.size()) +
                                           u" problems: "_s + problems.join(u"; "_s)));
    Database &db = m_workspace.database();
    ExperimentStore experiments(db);
    std::optional<Experiment> experiment = experiments.find(request.experiment);
    if (!experiment) {
        try {
            experiment = experiments.create(request.experiment);
        } catch (const WorkspaceError &) { // created by another process meanwhile
            experiment = experiments.find(request.experiment);
            if (!experiment)
                throw;
        }
    }
    const EnvironmentVersion environment = EnvironmentRegistry(db).resolve(request.environment);
    const ComputeTarget target = ComputeTargetRegistry(db).get(request.compute);

    // Pin every dataset reference to the version it means now.
    DatasetRegistry datasets(db);
    QJsonArray datasetInputs;
    QList<QPair<qint64, QString>> inputs;
    QStringList pinned;
    for (const QString &argument : request.arguments) {
        pinned.append(DatasetReference::substitute(argument, [&](const DatasetReference &ref) {
            const DatasetVersion v = datasets.version(ref.name, ref.version);
            DatasetReference exact = ref;
            exact.version = v.version;
            bool seen = false;
            for (const auto &[id, mode] : inputs)
                seen = seen || id == v.id;
            if (!seen) {
                inputs.append({v.id, DatasetReference::modeName(ref.mode)});
                datasetInputs.append(QJsonObject{{u"name"_s, v.name},
                                                 {u"version"_s, v.version},
                                                 {u"mode"_s, DatasetReference::modeName(ref.mode)},
                                                 {u"dataset_version_id"_s, double(v.id)}});
            }
            return exact.toString();
        }));
    }

    const QString uid = newRunId(request.experiment);
    // Slurm runs live in the target's shared folder, where the cluster's nodes write them.
    const QString runDir = target.kind == ComputeTarget::Kind::Slurm ? SlurmRunBackend::runDirFor(target.slurm, uid)
                                                                     : m_workspace.runsPath() + u'/' + uid;
    for (const QString &sub : {u"snapshot"_s, u"logs"_s, u"outputs"_s})
        if (!QDir().mkpath(runDir + u'/' + sub))
            throw WorkspaceError(u"cannot create the run folder '%1'; check permissions"_s.arg(runDir));
    QList<RunFileEntry> snapshot;
    try {
        if (!request.sourceFolder.isEmpty())
            snapshot = RunFiles::snapshot(m_workspace.blobs(), request.sourceFolder, runDir + u"/snapshot"_s,
                                          snapshotLimitBytes);
    } catch (...) {
        QDir(runDir).removeRecursively();
        throw;
    }
    for (const QString &file : {u"logs/std_log.txt"_s, u"logs/mldesk_system.txt"_s, u"metrics.jsonl"_s}) {
        QFile f(runDir + u'/' + file);
        f.open(QIODevice::WriteOnly | QIODevice::Append);
    }

    QJsonObject tags;
    for (auto it = request.tags.cbegin(); it != request.tags.cend(); ++it)
        tags.insert(it.key(), it.value());
    const bool builtin = request.entry == RunRequest::Entry::BuiltinTrainer;
    QJsonObject configuration{
        {u"run_id"_s, uid},
        {u"experiment"_s, request.experiment},
        {u"display_name"_s, request.displayName},
        {u"source_folder"_s,
         request.sourceFolder.isEmpty() ? QString() : QFileInfo(request.sourceFolder).absoluteFilePath()},
        {u"entry"_s, QJsonObject{{u"kind"_s, builtin ? u"builtin"_s : u"script"_s},
                                 {u"name"_s, builtin ? u"mldesk-train"_s : request.script}}},
        {u"arguments"_s, QJsonArray::fromStringList(request.arguments)},
        {u"resolved_arguments"_s, QJsonArray::fromStringList(pinned)},
        {u"environment"_s, QJsonObject{{u"name"_s, environment.name},
                                       {u"version"_s, environment.version},
                                       {u"kind"_s, EnvironmentVersion::kindName(environment.kind)}}},
        {u"compute"_s, QJsonObject{{u"name"_s, target.name}, {u"kind"_s, ComputeTarget::kindName(target.kind)}}},
        {u"datasets"_s, datasetInputs},
        {u"tags"_s, tags},
        {u"snapshot_files"_s, int(snapshot.size())},
        // The local slot it may take (RunScheduler); its priority is the runs.priority column, which may change.
        {u"resources"_s, QJsonObject{{u"device"_s, runDeviceName(request.device)}}},
    };
    QFile runJson(runDir + u"/run.json"_s);
    if (!runJson.open(QIODevice::WriteOnly) || runJson.write(QJsonDocument(configuration).toJson()) < 0)
        throw WorkspaceError(u"cannot write %1; check permissions"_s.arg(runJson.fileName()));
    runJson.close();

    RunStore::NewRun row;
    row.uid = uid;
    row.experimentId = experiment->id;
    row.displayName = request.displayName.isEmpty() ? uid : request.displayName;
    row.configuration = configuration;
    row.computeTargetId = target.id;
    row.environmentVersionId = environment.id;
    row.runDir = runDir;
    row.snapshotManifestJson = RunFiles::manifestJson(snapshot);
    row.tags = request.tags;
    row.datasetInputs = inputs;
    row.parentRunId = request.parentRunId; // sweeps (issue 16)
    row.trialIndex = request.trialIndex;
    row.hyperparameters = request.hyperparameters;
    row.priority = request.priority;
    RunStore store(db);
    const RunRecord run = *store.findById(store.insert(row));
    RunEvents::announce(m_workspace.path()); // engines of other processes (and threads) schedule it now
    return run;
}

} // namespace mldesk::core
