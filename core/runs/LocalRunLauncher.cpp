// LocalRunLauncher: Preparing -> Starting -> Running for one claimed local run; see the header.
#include "core/runs/LocalRunLauncher.h"

#include "core/containers/ContainerEngine.h"
#include "core/containers/ContainerLaunch.h"
#include "core/datasets/DatasetMaterializer.h"
#include "core/datasets/DatasetReference.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/environments/AzureMlShim.h"
#include "core/environments/EnvironmentPreparer.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QSet>
#include <QThread>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Before the job starts, the run's own log (what `run submit --wait` and the GUI follow) shows its preparation.
void appendPreparingLog(const QString &runDir, const QString &text)
{
    QFile log(runDir + u"/logs/std_log.txt"_s);
    if (log.open(QIODevice::WriteOnly | QIODevice::Append))
        log.write((u"[preparing] "_s + text + u'\n').toUtf8());
}

} // namespace

// The run-context module (mldesk) and the azureml.core shim, from the resources compiled into core. Read once per
// process and written with plain writes: QFile::copy out of a resource goes through a temporary file per file,
// which made this most of a run's start (tens of ms under load, per trial of a sweep).
void LocalRunLauncher::writeRunContextModule(const QString &target)
{
    static const QList<QPair<QString, QByteArray>> files = [] {
        QList<QPair<QString, QByteArray>> all;
        QDirIterator it(u":/mldesk/python"_s, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString source = it.next();
            QFile f(source);
            if (f.open(QIODevice::ReadOnly))
                all.append({source.mid(QStringLiteral(":/mldesk/python/").size()), f.readAll()});
        }
        return all;
    }();
    QSet<QString> made;
    for (const auto &[relative, content] : files) {
        const QString path = target + u'/' + relative;
        const QString folder = QFileInfo(path).absolutePath();
        if (!made.contains(folder)) {
            QDir().mkpath(folder);
            made.insert(folder);
        }
        QFile::remove(path); // a copy from an earlier attempt may be read-only
        QFile out(path);
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate))
            out.write(content);
        out.close();
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                        QFileDevice::ReadOther);
    }
}

// The azureml.core shim goes on PYTHONPATH when the environment asks for it: its variable
// MLDESK_AZUREML_COMPAT=1, or a conda specification that lists an azureml package (as the seed's does), whose
// scripts expect `from azureml.core import Run` to work.
bool LocalRunLauncher::wantsAzureMlShim(const EnvironmentVersion &environment, const PreparedEnvironment &prepared,
                                        const QString &snapshotDir)
{
    const QString flag = prepared.variables.value(u"MLDESK_AZUREML_COMPAT"_s).toLower();
    if (flag == u"1"_s || flag == u"true"_s || flag == u"yes"_s)
        return true;
    if (flag == u"0"_s || flag == u"false"_s || flag == u"no"_s)
        return false;
    for (const QString &package : environment.conda.pipPackages + environment.conda.condaPackages)
        if (package.trimmed().startsWith(u"azureml"_s, Qt::CaseInsensitive))
            return true;
    return !snapshotDir.isEmpty() && AzureMlShim::importsAzureMl(snapshotDir);
}

QStringList LocalRunLauncher::resolvedArguments(const RunRecord &run,
                                                const std::function<QString(const QString &)> &visiblePath)
{
    QStringList arguments;
    for (const QJsonValue &v : run.configuration.value(u"resolved_arguments"_s).toArray())
        arguments.append(DatasetReference::substitute(v.toString(), [&](const DatasetReference &ref) {
            QJsonObject d{
                {u"name"_s, ref.name}, {u"version"_s, ref.version}, {u"mode"_s, DatasetReference::modeName(ref.mode)}};
            return visiblePath(LocalRunLauncher::inputFolder(run.runDir, d));
        }));
    return arguments;
}

QStringList LocalRunLauncher::threadVariables()
{
    return {u"OMP_NUM_THREADS"_s, u"OPENBLAS_NUM_THREADS"_s, u"MKL_NUM_THREADS"_s, u"NUMEXPR_NUM_THREADS"_s,
            u"MLDESK_THREADS"_s};
}

QString LocalRunLauncher::inputFolder(const QString &runDir, const QJsonObject &dataset)
{
    return runDir + u"/inputs/"_s + dataset.value(u"name"_s).toString() + u"_v"_s +
           QString::number(dataset.value(u"version"_s).toInt()) +
           (dataset.value(u"mode"_s).toString() == u"download"_s ? u"_download"_s : QString());
}

void LocalRunLauncher::start(Database &db, BlobStore &blobs, const QString &workspacePath, const RunRecord &run,
                             const Options &options)
{
    const QString runDir = run.runDir;
    RunStore store(db);
    // Datasets: mount (links into the blob store) or download (verified copies) under inputs/.
    DatasetRegistry datasets(db);
    for (const QJsonValue &v : run.configuration.value(u"datasets"_s).toArray()) {
        const QJsonObject d = v.toObject();
        const QString folder = LocalRunLauncher::inputFolder(runDir, d);
        const DatasetVersion version = datasets.version(d.value(u"name"_s).toString(), d.value(u"version"_s).toInt());
        const QList<DatasetFile> files = datasets.files(version);
        if (d.value(u"mode"_s).toString() == u"download"_s)
            DatasetMaterializer::download(blobs, files, folder);
        else if (!QDir(folder).exists() || QDir(folder).isEmpty())
            DatasetMaterializer::mount(blobs, files, folder);
    }
    QStringList arguments = resolvedArguments(run, [](const QString &path) { return path; });

    // Environment.
    const QJsonObject envConfig = run.configuration.value(u"environment"_s).toObject();
    const EnvironmentVersion environment =
        EnvironmentRegistry(db).version(envConfig.value(u"name"_s).toString(), envConfig.value(u"version"_s).toInt());
    const QString pythonDir = runDir + u"/.mldesk"_s; // holds the mldesk package
    writeRunContextModule(runDir + u"/.mldesk"_s);
    EnvironmentPreparer::Options prepOptions;
    prepOptions.workspacePath = workspacePath;
    prepOptions.runContextPythonPath = pythonDir;
    const PreparedEnvironment prepared = EnvironmentPreparer::prepare(
        environment, prepOptions,
        [&](const QString &line) {
            appendSystemLog(runDir, line);
            appendPreparingLog(runDir, line); // the run's log shows a conda env or image being made, live
        },
        options.cancel);

    QString program;
    const QJsonObject entry = run.configuration.value(u"entry"_s).toObject();
    const bool builtin = entry.value(u"kind"_s).toString() == u"builtin"_s;
    if (builtin) {
        if (!prepared.containerImage.isEmpty())
            throw WorkspaceError(u"the built-in trainer runs on the host, not in a container; submit it with the "
                                 u"MLDesk-Native environment"_s);
        program = options.trainerPath.isEmpty() ? LocalProcess::findTrainer() : options.trainerPath;
        if (program.isEmpty())
            throw WorkspaceError(u"the built-in trainer mldesk-train was not found; install it next to MLDesk "
                                 u"or set MLDESK_TRAIN to its path"_s);
    } else {
        program = prepared.python;
        arguments.prepend(runDir + u"/snapshot/"_s + entry.value(u"name"_s).toString());
    }

    if (store.findById(run.id).value_or(run).cancelRequested) {
        store.transition(run.id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                         {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                          {u"failure_reason"_s, QVariant(u"canceled before it started"_s)}});
        return;
    }
    if (!store.transition(run.id, {RunState::Preparing}, RunState::Starting))
        return;

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = prepared.variables.cbegin(); it != prepared.variables.cend(); ++it)
        env.insert(it.key(), it.value());
    if (wantsAzureMlShim(environment, prepared, runDir + u"/snapshot"_s))
        env.insert(u"PYTHONPATH"_s, runDir + u"/.mldesk/azureml-compat:"_s + env.value(u"PYTHONPATH"_s));
    env.insert(u"MLDESK_RUN_ID"_s, run.uid);
    if (!run.parentUid.isEmpty())
        env.insert(u"MLDESK_PARENT_RUN_ID"_s, run.parentUid); // run.parent in the script (a sweep's trial)
    env.insert(u"MLDESK_RUN_DIR"_s, runDir);
    env.insert(u"MLDESK_EXPERIMENT"_s, run.experiment);
    env.insert(u"MLDESK_METRICS_FILE"_s, runDir + u"/metrics.jsonl"_s);
    env.insert(u"MLDESK_OUTPUTS"_s, runDir + u"/outputs"_s);
    env.insert(u"PYTHONUNBUFFERED"_s, u"1"_s); // the log streams as it is written
    env.insert(u"CUDA_VISIBLE_DEVICES"_s, run.device.startsWith(u"gpu:"_s) ? run.device.mid(4) : QString());
    QStringList passNames = environment.variables.keys();
    if (options.cpuThreads > 0) {
        // CPU runs share the cores: each gets its part, so the runs at once do not oversubscribe the machine.
        const QString threads = QString::number(options.cpuThreads);
        for (const QString &name : threadVariables()) {
            if (!prepared.variables.contains(name))
                env.insert(name, threads);
            passNames.append(name);
        }
        if (builtin && !arguments.contains(u"--threads"_s))
            arguments << u"--threads"_s << threads;
        appendSystemLog(runDir,
                        u"%1 CPU thread(s) for this run (the cores are shared by the CPU slots)"_s.arg(threads));
    }
    QStringList supervisorOptions; // a container environment: the job is `podman|docker run` of its image
    if (!prepared.containerImage.isEmpty()) {
        const ContainerLaunch::Wrapped job = ContainerLaunch::wrap(
            ContainerEngine::detect(prepared.containerEngine), environment,
            {runDir, run.uid, blobs.root(), run.device, prepared.containerImage, program, arguments, env, passNames});
        appendSystemLog(runDir,
                        u"container %1 of image %2; %3"_s.arg(job.containerName, prepared.containerImage, job.gpuNote));
        program = job.program;
        arguments = job.arguments;
        supervisorOptions = job.supervisorOptions;
    }
    appendSystemLog(runDir, u"starting on %1: %2 %3"_s.arg(run.device, program, arguments.join(u' ')));

    const QString supervisor =
        options.supervisorPath.isEmpty() ? LocalProcess::findSupervisor() : options.supervisorPath;
    LocalProcess::Identity identity =
        LocalProcess::launch(supervisor, runDir, program, arguments, env, supervisorOptions);
    // The supervisor has its own process group once it has written process.json (signals to the group work
    // from then on); wait briefly for it.
    QElapsedTimer clock;
    clock.start();
    while (!LocalProcess::readProcessRecord(runDir) && clock.elapsed() < 5000 && LocalProcess::isAlive(identity))
        QThread::msleep(5);
    store.transition(run.id, {RunState::Starting}, RunState::Running, u"pid %1"_s.arg(identity.pid),
                     {{u"started_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                      {u"process_id"_s, QVariant(identity.pid)},
                      {u"process_start_ticks"_s, QVariant(identity.startTicks)},
                      {u"backend_job_id"_s, QVariant(QString::number(identity.pid))}});
}

} // namespace mldesk::core
