// run commands: submit (optionally waiting and streaming the log like wait_for_completion(show_output=True)),
// list, show, logs [--follow], cancel, set-priority - and the hidden-in-spirit `run agent` that keeps queued and
// running runs (local and Slurm) moving after a `run submit` without --wait has returned. A run's data (metrics,
// files, download) is in RunDataCommands.cpp.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "app/cli/commands/RunCommandSupport.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunService.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLockFile>
#include <QProcess>
#include <QTextStream>
#include <QTimer>

#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

// Exit codes of `run submit --wait` and `run logs --follow` beyond the usual ones.
constexpr int kExitRunFailed = 3;
constexpr int kExitRunCanceled = 4;

int runExitCodeFor(core::RunState state)
{
    switch (state) {
    case core::RunState::Completed:
        return ExitOk;
    case core::RunState::Canceled:
        return kExitRunCanceled;
    default:
        return kExitRunFailed;
    }
}

void writeOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

namespace {

QString duration(qint64 ms)
{
    if (ms <= 0)
        return {};
    const qint64 s = ms / 1000;
    return s >= 3600 ? u"%1h%2m"_s.arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar(u'0'))
                     : u"%1m%2s"_s.arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
}

// Sweeps (issue 16): a sweep's parent says "sweep", its children "trial N"; a child a script made "child N".
QString kindText(const core::RunRecord &r)
{
    if (r.isSweep())
        return u"sweep"_s;
    if (r.kind == u"script"_s)
        return u"child %1"_s.arg(r.trialIndex.value_or(0));
    return r.trialIndex ? u"trial %1"_s.arg(*r.trialIndex) : u"run"_s;
}

QList<Output::Field> rowFields(const core::RunRecord &r)
{
    return {
        {u"run_id"_s, u"RUN ID"_s, r.uid},
        {u"experiment"_s, u"EXPERIMENT"_s, r.experiment},
        {u"state"_s, u"STATE"_s, core::runStateName(r.state)},
        {u"created"_s, u"CREATED (UTC)"_s, r.created.isValid() ? r.created.toString(Qt::ISODate) : QString()},
        {u"duration"_s, u"DURATION"_s, duration(r.durationMs())},
        {u"compute"_s, u"COMPUTE"_s, r.computeTarget},
        {u"kind"_s, u"KIND"_s, kindText(r)},
        {u"parent"_s, u"PARENT"_s, r.parentUid},
        {u"priority"_s, u"PRIORITY"_s, r.priority},
    };
}

} // namespace

// --priority / set-priority's VALUE (and sweep submit's); see RunCommandSupport.h.
int priorityArgument(const QString &text)
{
    QString problem;
    const std::optional<int> priority = core::runPriorityFromText(text, &problem);
    if (!priority)
        throw UsageError(problem);
    return *priority;
}

// A service for a one-shot command: no scheduling, but runs that ended while nobody watched are finalized.
std::unique_ptr<core::RunService> passiveService(CliContext &context)
{
    core::RunServiceOptions options;
    options.schedule = false;
    auto service = std::make_unique<core::RunService>(context.workspace(), options);
    service->reconcile();
    return service;
}

namespace {

// Starts `mldesk-cli run agent` detached for the workspace (it exits at once when one is already running).
void ensureAgent(CliContext &context)
{
    // Its output goes to a file, never to our stdout: `id=$(mldesk-cli run submit ...)` must not wait for it.
    QProcess agent;
    agent.setProgram(QCoreApplication::applicationFilePath());
    agent.setArguments({u"--workspace"_s, context.workspace().path(), u"run"_s, u"agent"_s});
    agent.setWorkingDirectory(context.workspace().path());
    agent.setStandardInputFile(QProcess::nullDevice());
    agent.setStandardOutputFile(context.workspace().runsPath() + u"/agent.log"_s, QIODevice::Append);
    agent.setStandardErrorFile(context.workspace().runsPath() + u"/agent.log"_s, QIODevice::Append);
    if (!agent.startDetached())
        Output::error(
            u"warning: could not start the background agent (%1); the run starts with the next "
            u"'mldesk-cli run logs ID --follow' or when the GUI opens the workspace"_s.arg(agent.errorString()));
}

} // namespace

// Streams the log of uid and waits until the run ends; returns its end state.
core::RunState follow(core::RunService &service, const QString &uid, bool printLog, bool printStates)
{
    core::RunRecord run = service.store().get(uid);
    if (!run.note.isEmpty())
        std::fprintf(stderr, "[mldesk] %s: %s\n", qPrintable(uid), qPrintable(run.note));
    QEventLoop loop;
    QObject::connect(&service, &core::RunService::logAppended, &loop, [&](const QString &id, const QString &text) {
        if (id == uid && printLog)
            writeOut(text);
    });
    QObject::connect(&service, &core::RunService::runStateChanged, &loop, [&](const core::RunRecord &r) {
        if (r.uid != uid)
            return;
        run = r;
        if (printStates)
            std::fprintf(stderr, "[mldesk] %s: %s\n", qPrintable(uid), qPrintable(core::runStateName(r.state)));
        if (core::isTerminal(r.state))
            loop.quit();
    });
    QObject::connect(&service, &core::RunService::runNoteChanged, &loop, [&](const core::RunRecord &r) {
        // Slurm runs: "cluster unreachable, retrying ..." while slurmrestd cannot be asked; the run keeps its state.
        if (r.uid == uid)
            std::fprintf(stderr, "[mldesk] %s: %s\n", qPrintable(uid),
                         qPrintable(r.note.isEmpty() ? u"the cluster answers again"_s : r.note));
    });
    QObject::connect(&service, &core::RunService::warning, &loop,
                     [](const QString &message) { Output::error(u"warning: "_s + message); });
    // Whatever happens meanwhile, look at the database now and then: the run may end in another process.
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        run = service.store().get(uid);
        if (core::isTerminal(run.state) && !service.isWatching(uid))
            loop.quit();
    });
    check.start(1000);
    service.start();
    if (!core::isTerminal(run.state) || service.isWatching(uid))
        loop.exec();
    return service.store().get(uid).state;
}

namespace {

void printSummary(const core::RunRecord &run, const core::RunStore &store)
{
    writeOut(u"\nRun %1 ended %2"_s.arg(run.uid, core::runStateName(run.state)) +
             (run.failureReason.isEmpty() ? QString() : u": "_s + run.failureReason) + u"\n"_s);
    QList<core::MetricLatest> last = store.latestMetrics(run.id); // by name: the point of the highest step
    last.removeIf([](const core::MetricLatest &l) { return std::isnan(l.value); });
    if (!last.isEmpty()) {
        writeOut(u"Final metrics:\n"_s);
        for (const core::MetricLatest &p : last)
            writeOut(u"  %1 = %2 (step %3)\n"_s.arg(p.name).arg(p.value, 0, 'g', 6).arg(p.step));
    }
}

int submit(CliContext &context)
{
    core::RunRequest request;
    request.experiment = context.value(u"experiment"_s);
    request.sourceFolder = context.value(u"source"_s);
    const QString builtin = context.value(u"builtin"_s);
    if (context.isSet(u"builtin"_s) && context.isSet(u"script"_s))
        throw UsageError(u"give either --script FILE or --builtin mldesk-train, not both"_s);
    if (context.isSet(u"builtin"_s)) {
        if (builtin != u"mldesk-train"_s)
            throw UsageError(u"unknown built-in '%1'; the built-in entry is mldesk-train"_s.arg(builtin));
        request.entry = core::RunRequest::Entry::BuiltinTrainer;
    } else if (context.isSet(u"script"_s)) {
        request.script = context.value(u"script"_s);
    } else {
        throw UsageError(u"say what to run: --script FILE (inside --source DIR) or --builtin mldesk-train"_s);
    }
    request.arguments = context.arguments();
    request.environment = context.value(u"environment"_s);
    request.compute = context.isSet(u"compute"_s) ? context.value(u"compute"_s) : u"local"_s;
    request.displayName = context.value(u"display-name"_s);
    if (context.isSet(u"priority"_s))
        request.priority = priorityArgument(context.value(u"priority"_s));
    if (context.isSet(u"device"_s)) {
        const QString device = context.value(u"device"_s);
        const auto parsed = core::runDeviceFromName(device);
        if (!parsed)
            throw UsageError(u"unknown device '%1'; use any (the default), gpu or cpu"_s.arg(device));
        request.device = *parsed;
    }
    for (const QString &tag : context.values(u"tag"_s)) {
        const qsizetype eq = tag.indexOf(u'=');
        if (eq <= 0)
            throw UsageError(u"tag '%1' is not key=value"_s.arg(tag));
        request.tags.insert(tag.left(eq), tag.mid(eq + 1));
    }
    core::RunServiceOptions options;
    if (context.isSet(u"snapshot-limit-mb"_s)) {
        bool ok = false;
        const double mb = context.value(u"snapshot-limit-mb"_s).toDouble(&ok);
        if (!ok || mb <= 0)
            throw UsageError(u"--snapshot-limit-mb needs a positive number"_s);
        options.snapshotLimitBytes = qint64(mb * 1024 * 1024);
    }
    const bool wait = context.isSet(u"wait"_s);
    options.schedule = wait;
    core::RunService service(context.workspace(), options);
    const core::RunRecord run = service.submit(request);
    if (!wait) {
        ensureAgent(context);
        if (context.out().json())
            context.out().record(rowFields(run));
        else
            writeOut(run.uid + u'\n');
        return ExitOk;
    }
    writeOut(u"RunId: %1\n"_s.arg(run.uid));
    writeOut(u"Run folder: %1\n\nStreaming logs/std_log.txt\n==========================\n\n"_s.arg(run.runDir));
    const core::RunState end = follow(service, run.uid, true, false);
    const core::RunRecord done = service.store().get(run.uid);
    printSummary(done, service.store());
    return runExitCodeFor(end);
}

int agent(CliContext &context)
{
    QLockFile lock(context.workspace().runsPath() + u"/.agent.lock"_s);
    lock.setStaleLockTime(0);
    QDir().mkpath(context.workspace().runsPath());
    if (!lock.tryLock(3000))
        return ExitOk; // another agent keeps this workspace's runs moving
    core::RunService service(context.workspace());
    QEventLoop loop;
    QObject::connect(&service, &core::RunService::warning, &loop,
                     [](const QString &message) { Output::error(u"warning: "_s + message); });
    int idleTicks = 0;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        // Local runs and Slurm runs alike: a Slurm run is submitted, followed and finalized by this agent too.
        const bool active = !service.store().active().isEmpty();
        idleTicks = active ? 0 : idleTicks + 1;
        if (idleTicks >= 4)
            loop.quit();
    });
    check.start(500);
    service.start();
    loop.exec();
    return ExitOk;
}

int list(CliContext &context)
{
    std::optional<core::RunState> state;
    if (context.isSet(u"state"_s)) {
        state = core::runStateFromName(context.value(u"state"_s));
        if (!state)
            throw UsageError(u"unknown state '%1'; states are: %2"_s.arg(context.value(u"state"_s),
                                                                         core::runStateNames().join(u", "_s)));
    }
    auto service = passiveService(context);
    QList<QList<Output::Field>> rows;
    QList<core::RunRecord> runs = service->store().list(context.value(u"experiment"_s), state);
    if (context.isSet(u"parent"_s)) { // a sweep's children (issue 16)
        const qint64 parent = service->store().get(context.value(u"parent"_s)).id;
        runs.removeIf([&](const core::RunRecord &r) { return r.parentId != parent; });
    }
    for (const core::RunRecord &r : runs)
        rows.append(rowFields(r));
    context.out().table(rows, rowFields(core::RunRecord{}));
    return ExitOk;
}

int show(CliContext &context)
{
    auto service = passiveService(context);
    const core::RunRecord r = service->store().get(context.arguments().at(0));
    QJsonArray history;
    QStringList historyText;
    for (const core::RunStateChange &c : r.history) {
        history.append(QJsonObject{{u"state"_s, core::runStateName(c.state)},
                                   {u"at"_s, c.at.toString(Qt::ISODateWithMs)},
                                   {u"detail"_s, c.detail}});
        historyText.append(u"%1 %2"_s.arg(c.at.toString(Qt::ISODate), core::runStateName(c.state)) +
                           (c.detail.isEmpty() ? QString() : u" ("_s + c.detail.section(u'\n', 0, 0) + u')'));
    }
    QJsonObject tags;
    for (auto it = r.tags.cbegin(); it != r.tags.cend(); ++it)
        tags.insert(it.key(), it.value());
    QJsonObject lastMetrics;
    for (const core::MetricLatest &l : service->store().latestMetrics(r.id))
        if (!std::isnan(l.value))
            lastMetrics.insert(l.name, l.value);
    const QJsonObject entry = r.configuration.value(u"entry"_s).toObject();
    QList<Output::Field> fields{
        {u"run_id"_s, u"Run ID"_s, r.uid},
        {u"display_name"_s, u"Display name"_s, r.displayName},
        {u"experiment"_s, u"Experiment"_s, r.experiment},
        {u"state"_s, u"State"_s, core::runStateName(r.state)},
        {u"kind"_s, u"Kind"_s, kindText(r)},
        {u"parent"_s, u"Parent"_s, r.parentUid},
        {u"entry"_s, u"Entry"_s, entry.value(u"name"_s).toString()},
        {u"arguments"_s, u"Arguments"_s, r.configuration.value(u"resolved_arguments"_s)},
        {u"environment"_s, u"Environment"_s,
         r.configuration.value(u"environment"_s).toObject().value(u"name"_s).toString()},
        {u"compute"_s, u"Compute"_s, r.computeTarget},
        {u"device"_s, u"Device"_s, r.device},
        {u"priority"_s, u"Priority"_s,
         context.out().json() ? QJsonValue(r.priority) : QJsonValue(core::runPriorityText(r.priority))},
        {u"created"_s, u"Created (UTC)"_s, r.created.toString(Qt::ISODate)},
        {u"started"_s, u"Started (UTC)"_s, r.started.isValid() ? r.started.toString(Qt::ISODate) : QString()},
        {u"ended"_s, u"Ended (UTC)"_s, r.ended.isValid() ? r.ended.toString(Qt::ISODate) : QString()},
        {u"duration"_s, u"Duration"_s, duration(r.durationMs())},
        {u"exit_code"_s, u"Exit code"_s, r.exitCode ? QJsonValue(*r.exitCode) : QJsonValue()},
        {u"exit_signal"_s, u"Exit signal"_s, r.exitSignal ? QJsonValue(*r.exitSignal) : QJsonValue()},
        {u"failure_reason"_s, u"Reason"_s, r.failureReason},
        {u"note"_s, u"Note"_s, r.note},
        {u"backend_job_id"_s, u"Backend job"_s, r.backendJobId},
        {u"run_dir"_s, u"Run folder"_s, r.runDir},
        {u"tags"_s, u"Tags"_s, tags},
        {u"metrics"_s, u"Last metrics"_s, lastMetrics},
        {u"history"_s, u"History"_s,
         context.out().json() ? QJsonValue(history) : QJsonValue(historyText.join(u"; "_s))},
    };
    context.out().record(fields);
    return ExitOk;
}

int logs(CliContext &context)
{
    const QString uid = context.arguments().at(0);
    if (context.isSet(u"follow"_s)) {
        core::RunService service(context.workspace());
        const core::RunRecord run = service.store().get(uid);
        if (core::isTerminal(run.state)) {
            QFile log(run.runDir + u"/logs/std_log.txt"_s);
            if (log.open(QIODevice::ReadOnly))
                writeOut(QString::fromUtf8(log.readAll()));
            return runExitCodeFor(run.state);
        }
        // The run may end before this service watches it (another process finalizes it first): then whatever the
        // signal did not bring is printed from the file at the end, so the whole log is printed once either way.
        qint64 printed = 0;
        QObject::connect(&service, &core::RunService::logAppended, &service,
                         [&](const QString &id, const QString &text) {
                             if (id == uid)
                                 printed += text.toUtf8().size();
                         });
        const core::RunState end = follow(service, uid, true, false);
        QFile log(run.runDir + u"/logs/std_log.txt"_s);
        if (log.open(QIODevice::ReadOnly) && log.size() > printed && log.seek(printed))
            writeOut(QString::fromUtf8(log.readAll()));
        return runExitCodeFor(end);
    }
    auto service = passiveService(context);
    const core::RunRecord run = service->store().get(uid);
    QFile log(run.runDir + u"/logs/std_log.txt"_s);
    if (!log.open(QIODevice::ReadOnly)) {
        for (const core::RunFileEntry &f : run.outputs)
            if (f.path == u"logs/std_log.txt"_s)
                writeOut(QString::fromUtf8(context.workspace().blobs().read(f.hash)));
        return ExitOk;
    }
    writeOut(QString::fromUtf8(log.readAll()));
    return ExitOk;
}

int cancel(CliContext &context)
{
    const QString uid = context.arguments().at(0);
    core::RunServiceOptions options;
    options.schedule = false;
    core::RunService service(context.workspace(), options);
    service.cancel(uid);
    context.out().note(u"Cancel requested for %1; waiting for it to stop"_s.arg(uid));
    const core::RunState end = follow(service, uid, false, false);
    context.out().note(u"Run %1 is %2"_s.arg(uid, core::runStateName(end)));
    if (context.out().json())
        context.out().record(rowFields(service.store().get(uid)));
    return ExitOk;
}

int setPriority(CliContext &context)
{
    const int priority = priorityArgument(context.arguments().at(1));
    core::RunStore store(context.workspace().database());
    const core::RunRecord run = store.setPriority(context.arguments().at(0), priority);
    context.out().note(u"Run %1 now has priority %2"_s.arg(run.uid, core::runPriorityText(run.priority)));
    return ExitOk;
}

} // namespace

void registerRunCommands(CommandRegistry &registry)
{
    registry.add(
        {u"run"_s,
         u"submit"_s,
         u"[-- ARGS...]"_s,
         u"Submit a run; prints its id (--wait: streams the log, exits 0 when it completes, 3 when it "
         u"fails, 4 when canceled)."_s,
         {QCommandLineOption(u"experiment"_s, u"Experiment (created on first use)."_s, u"NAME"_s),
          QCommandLineOption(u"source"_s, u"Source folder to snapshot (the script's folder)."_s, u"DIR"_s),
          QCommandLineOption(u"script"_s, u"Script to run, relative to --source."_s, u"FILE"_s),
          QCommandLineOption(u"builtin"_s, u"Run the built-in trainer instead of a script."_s, u"mldesk-train"_s),
          QCommandLineOption(u"environment"_s, u"Environment: MLDesk-Native, System-Python or NAME[:VER]."_s, u"ENV"_s),
          QCommandLineOption(u"compute"_s, u"Compute target (default: local)."_s, u"TARGET"_s),
          QCommandLineOption(u"tag"_s, u"A tag key=value (repeatable)."_s, u"KEY=VALUE"_s),
          QCommandLineOption(u"display-name"_s, u"Name shown for the run."_s, u"TEXT"_s),
          QCommandLineOption(u"priority"_s,
                             u"Queue priority: low (-100), normal (0, the default), high (100) or a number from -1000 "
                             u"to 1000; higher starts first, ties in submission order (local runs)."_s,
                             u"N|low|normal|high"_s),
          QCommandLineOption(u"device"_s,
                             u"The local slot it may take: any (default), gpu (waits for a GPU) or cpu (leaves the "
                             u"GPUs to others where the machine offers CPU slots beside them)."_s,
                             u"any|gpu|cpu"_s),
          QCommandLineOption(u"snapshot-limit-mb"_s, u"Largest source snapshot (default 300)."_s, u"MB"_s),
          QCommandLineOption(u"wait"_s, u"Stream the log and wait for the run to end."_s)},
         0,
         100000,
         submit});
    registry.add({u"run"_s,
                  u"list"_s,
                  {},
                  u"List runs, newest first."_s,
                  {QCommandLineOption(u"experiment"_s, u"Only this experiment's runs."_s, u"NAME"_s),
                   QCommandLineOption(u"state"_s, u"Only runs in this state."_s, u"STATE"_s),
                   QCommandLineOption(u"parent"_s, u"Only the children (trials) of this sweep."_s, u"ID"_s)},
                  0,
                  0,
                  list});
    registry.add(
        {u"run"_s, u"show"_s, u"ID"_s, u"Show a run: configuration, state history, last metrics."_s, {}, 1, 1, show});
    registry.add({u"run"_s,
                  u"logs"_s,
                  u"ID"_s,
                  u"Print a run's log (--follow: keep printing until it ends)."_s,
                  {QCommandLineOption(u"follow"_s, u"Keep printing new lines until the run ends."_s)},
                  1,
                  1,
                  logs});
    registry.add({u"run"_s,
                  u"cancel"_s,
                  u"ID"_s,
                  u"Cancel a run (SIGTERM to its process group or Slurm job, SIGKILL after a grace period)."_s,
                  {},
                  1,
                  1,
                  cancel});
    registry.add({u"run"_s,
                  u"set-priority"_s,
                  u"ID VALUE"_s,
                  u"Change a queued run's priority (low, normal, high or -1000..1000; a sweep's: its queued and "
                  u"future trials too)."_s,
                  {},
                  2,
                  2,
                  setPriority});
    registerRunDataCommands(registry); // metrics, files, download
    registry.add({u"run"_s,
                  u"agent"_s,
                  {},
                  u"(internal) Keep this workspace's runs moving until none is active."_s,
                  {},
                  0,
                  0,
                  agent});
}

} // namespace mldesk::cli
