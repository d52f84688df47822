// sweep commands: submit a sweep file (--wait: one line per trial start and end, exit code like `run submit
// --wait`), show its children, the best child, cancel, print the seed's HyperDrive preset - and `sweep agent`,
// which drives sweeps (and runs their children) after a `sweep submit` without --wait has returned.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "app/cli/commands/RunCommandSupport.h"
#include "core/runs/RunService.h"
#include "core/sweeps/SweepController.h"
#include "core/sweeps/SweepService.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QProcess>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

constexpr int kExitSweepFailed = 3; // as `run submit --wait`
constexpr int kExitSweepCanceled = 4;

void writeLine(const QString &text)
{
    const QByteArray bytes = (text + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

QString describe(const QJsonObject &values)
{
    QStringList parts;
    for (auto it = values.begin(); it != values.end(); ++it)
        parts.append(it.key() + u'=' + core::formatParameterValue(it.value()));
    return parts.join(u' ');
}

QString number(const std::optional<double> &v)
{
    return v ? QString::number(*v, 'g', 6) : QString();
}

std::optional<double> primaryOf(core::RunStore &store, const core::SweepSpec &spec, const core::RunRecord &child)
{
    QList<double> series;
    for (const core::MetricPoint &p : store.metrics(child.id, spec.primaryMetric))
        series.append(p.value);
    return core::SweepController::primaryValue(spec, series);
}

// Concurrent CPU children of the active sweeps (a machine with GPUs runs one child per GPU instead).
int cpuSlotsFor(core::SweepStore &sweeps)
{
    int count = 0;
    for (const core::RunRecord &parent : sweeps.activeSweeps())
        count += core::SweepStore::specOf(parent).maxConcurrentTrials;
    return std::max(1, count);
}

void ensureSweepAgent(CliContext &context)
{
    QProcess agent; // its output goes to a file: `id=$(mldesk-cli sweep submit ...)` must not wait for it
    agent.setProgram(QCoreApplication::applicationFilePath());
    agent.setArguments({u"--workspace"_s, context.workspace().path(), u"sweep"_s, u"agent"_s});
    agent.setWorkingDirectory(context.workspace().path());
    agent.setStandardInputFile(QProcess::nullDevice());
    const QString log = context.workspace().runsPath() + u"/sweep-agent.log"_s;
    agent.setStandardOutputFile(log, QIODevice::Append);
    agent.setStandardErrorFile(log, QIODevice::Append);
    if (!agent.startDetached())
        Output::error(u"warning: could not start the sweep agent (%1); the sweep goes on with the next 'mldesk-cli "
                      u"sweep agent'"_s.arg(agent.errorString()));
}

// What a CLI process hosts to move sweeps: a run service (CPU slots for the sweeps' concurrency) that starts and
// watches the children, and the sweep controller on its thread.
struct Host {
    explicit Host(CliContext &context)
        : sweeps(context.workspace()), runs(context.workspace(), runOptions(sweeps)),
          controller(context.workspace().path(), {})
    {
        const auto print = [](const QString &message) {
            Output::error(u"warning: "_s + message);
        };
        QObject::connect(&runs, &core::RunService::warning, &runs, print);
        QObject::connect(&controller, &core::SweepService::warning, &controller, print);
        // In one process the engine and the controller wake each other directly: a child's end -> the next trial
        // -> its start, with no poll in between.
        QObject::connect(&runs, &core::RunService::runEnded, &controller, [this] { controller.wake(); });
        QObject::connect(&controller, &core::SweepService::trialsSubmitted, &runs, [this] { runs.wake(); });
    }
    static core::RunServiceOptions runOptions(core::SweepStore &sweeps)
    {
        core::RunServiceOptions options;
        options.cpuSlots = cpuSlotsFor(sweeps);
        return options;
    }
    void start()
    {
        runs.start();
        controller.start();
    }

    core::SweepStore sweeps;
    core::RunService runs;
    core::SweepService controller;
};

// Runs the sweep's children and its controller in this process until the sweep ends, printing one line per
// trial start and end when stream is set. Returns the sweep's end state.
core::RunState drive(CliContext &context, const QString &uid, bool stream)
{
    Host host(context);
    core::SweepStore &sweeps = host.sweeps;
    QEventLoop loop;
    QHash<qint64, core::RunState> printed;
    const core::SweepSpec spec = core::SweepStore::specOf(sweeps.get(uid));
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        const core::RunRecord parent = sweeps.get(uid);
        for (core::RunRecord child : sweeps.runs().children(parent.id)) {
            if (core::isTerminal(child.state))
                child = sweeps.runs().findById(child.id).value_or(child); // with its tags
            const auto seen = printed.constFind(child.id);
            const bool started = child.state >= core::RunState::Running;
            if (stream && started && seen == printed.cend())
                writeLine(u"[sweep] trial %1 %2 started: %3"_s.arg(child.trialIndex.value_or(-1))
                              .arg(child.uid, describe(child.hyperparameters)));
            if (stream && core::isTerminal(child.state) && (seen == printed.cend() || !core::isTerminal(*seen)))
                writeLine(u"[sweep] trial %1 %2 ended %3: %4 = %5"_s.arg(child.trialIndex.value_or(-1))
                              .arg(child.uid, core::runStateName(child.state), spec.primaryMetric,
                                   number(primaryOf(sweeps.runs(), spec, child))) +
                          (child.tags.contains(core::SweepController::stoppedTag())
                               ? u" (%1)"_s.arg(child.tags.value(core::SweepController::stoppedTag()))
                               : QString()));
            if (started || core::isTerminal(child.state))
                printed.insert(child.id, child.state);
        }
        if (core::isTerminal(parent.state))
            loop.quit();
    });
    check.start(200);
    host.start();
    loop.exec();
    return sweeps.get(uid).state;
}

int exitCodeFor(core::RunState state)
{
    return state == core::RunState::Completed  ? int(ExitOk)
           : state == core::RunState::Canceled ? kExitSweepCanceled
                                               : kExitSweepFailed;
}

int submit(CliContext &context)
{
    if (!context.isSet(u"file"_s))
        throw UsageError(u"name the sweep file: mldesk-cli sweep submit --file sweep.yml ('mldesk-cli sweep preset' "
                         u"prints an example)"_s);
    const QString path = context.value(u"file"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw UsageError(u"cannot read the sweep file '%1': %2"_s.arg(path, file.errorString()));
    const QString yaml = QString::fromUtf8(file.readAll());
    core::SweepSpec spec;
    try {
        spec = core::SweepSpec::parse(yaml, QFileInfo(path).absolutePath());
    } catch (const core::SweepSpecError &e) {
        throw UsageError(u"%1: %2"_s.arg(path, e.message()));
    }
    if (context.isSet(u"priority"_s)) // over the file's queue_settings.priority
        spec.trial.priority = priorityArgument(context.value(u"priority"_s));
    core::SweepStore sweeps(context.workspace());
    const core::RunRecord parent = sweeps.create(spec, yaml);
    if (!context.isSet(u"wait"_s)) {
        ensureSweepAgent(context);
        if (context.out().json())
            context.out().record({{u"run_id"_s, u"RUN ID"_s, parent.uid}});
        else
            writeLine(parent.uid);
        return ExitOk;
    }
    writeLine(u"SweepId: %1"_s.arg(parent.uid));
    const core::RunState end = drive(context, parent.uid, true);
    const core::RunRecord done = sweeps.get(parent.uid);
    writeLine(u"Sweep %1 ended %2: %3"_s.arg(done.uid, core::runStateName(end), done.note));
    return exitCodeFor(end);
}

struct Best {
    core::RunRecord child;
    double value = 0;
};

std::optional<Best> bestChild(core::SweepStore &sweeps, const core::SweepSpec &spec, const core::RunRecord &parent)
{
    std::optional<Best> best;
    for (const core::RunRecord &child : sweeps.runs().children(parent.id)) {
        if (child.state != core::RunState::Completed)
            continue;
        const auto value = primaryOf(sweeps.runs(), spec, child);
        if (value && (!best || spec.better(*value, best->value)))
            best = Best{child, *value};
    }
    return best;
}

int show(CliContext &context)
{
    core::SweepStore sweeps(context.workspace());
    const core::RunRecord parent = sweeps.get(context.arguments().at(0));
    const core::SweepSpec spec = core::SweepStore::specOf(parent);
    QList<QList<Output::Field>> rows;
    QJsonArray children;
    const auto best = bestChild(sweeps, spec, parent);
    for (const core::RunRecord &child : sweeps.runs().children(parent.id)) {
        const QList<Output::Field> row{
            {u"trial"_s, u"TRIAL"_s, child.trialIndex.value_or(-1)},
            {u"run_id"_s, u"RUN ID"_s, child.uid},
            {u"state"_s, u"STATE"_s, core::runStateName(child.state)},
            {u"hyperparameters"_s, u"HYPERPARAMETERS"_s,
             context.out().json() ? QJsonValue(child.hyperparameters) : QJsonValue(describe(child.hyperparameters))},
            {u"primary_metric"_s, spec.primaryMetric.toUpper(),
             primaryOf(sweeps.runs(), spec, child) ? QJsonValue(*primaryOf(sweeps.runs(), spec, child)) : QJsonValue()},
            {u"best"_s, u"BEST"_s, best && best->child.id == child.id},
            {u"note"_s, u"NOTE"_s, child.note}};
        rows.append(row);
        children.append(Output::toObject(row));
    }
    QList<Output::Field> fields{
        {u"run_id"_s, u"Sweep ID"_s, parent.uid},
        {u"display_name"_s, u"Display name"_s, parent.displayName},
        {u"experiment"_s, u"Experiment"_s, parent.experiment},
        {u"state"_s, u"State"_s, core::runStateName(parent.state)},
        {u"sampling"_s, u"Sampling"_s, core::SweepSpec::samplingName(spec.sampling)},
        {u"primary_metric"_s, u"Primary metric"_s, spec.primaryMetric},
        {u"goal"_s, u"Goal"_s, spec.goal == core::SweepSpec::Goal::Maximize ? u"maximize"_s : u"minimize"_s},
        {u"priority"_s, u"Priority"_s, // its trials' (run set-priority may have changed it since the file said)
         context.out().json() ? QJsonValue(parent.priority) : QJsonValue(core::runPriorityText(parent.priority))},
        {u"trials"_s, u"Trials"_s,
         u"%1 of %2 (%3 at a time)"_s.arg(children.size()).arg(spec.maxTotalTrials).arg(spec.maxConcurrentTrials)},
        {u"early_termination"_s, u"Early termination"_s, spec.earlyTermination.className()},
        {u"note"_s, u"Note"_s, parent.note},
        {u"best_run_id"_s, u"Best trial"_s, best ? best->child.uid : QString()},
    };
    if (context.out().json()) {
        fields.append({u"children"_s, u"Children"_s, children});
        context.out().record(fields);
        return ExitOk;
    }
    context.out().record(fields);
    writeLine(QString());
    context.out().table(rows, rows.isEmpty() ? QList<Output::Field>{} : rows.first());
    return ExitOk;
}

int best(CliContext &context)
{
    core::SweepStore sweeps(context.workspace());
    const core::RunRecord parent = sweeps.get(context.arguments().at(0));
    const core::SweepSpec spec = core::SweepStore::specOf(parent);
    const auto b = bestChild(sweeps, spec, parent);
    if (!b)
        throw core::WorkspaceError(u"no trial of sweep '%1' has completed with '%2' yet ('mldesk-cli sweep show %1' "
                                   u"lists its trials)"_s.arg(parent.uid, spec.primaryMetric));
    context.out().record(
        {{u"run_id"_s, u"Run ID"_s, b->child.uid},
         {u"trial"_s, u"Trial"_s, b->child.trialIndex.value_or(-1)},
         {u"hyperparameters"_s, u"Hyperparameters"_s,
          context.out().json() ? QJsonValue(b->child.hyperparameters) : QJsonValue(describe(b->child.hyperparameters))},
         {u"metric"_s, u"Metric"_s, spec.primaryMetric},
         {u"value"_s, u"Value"_s, b->value}});
    return ExitOk;
}

int cancel(CliContext &context)
{
    core::SweepStore sweeps(context.workspace());
    const core::RunRecord parent = sweeps.get(context.arguments().at(0));
    sweeps.requestCancel(parent);
    ensureSweepAgent(context); // its controller cancels the children and ends the sweep
    context.out().note(u"Cancel requested for sweep %1"_s.arg(parent.uid));
    return ExitOk;
}

int preset(CliContext &context)
{
    const auto integer = [&](const QString &option, int fallback) {
        if (!context.isSet(option))
            return fallback;
        bool ok = false;
        const int v = context.value(option).toInt(&ok);
        if (!ok || v < 1)
            throw UsageError(u"--%1 needs a whole number of at least 1"_s.arg(option));
        return v;
    };
    std::fputs(qPrintable(core::SweepSpec::hyperDrivePresetYaml(
                   context.isSet(u"dataset"_s) ? context.value(u"dataset"_s) : u"mnist"_s, integer(u"epochs"_s, 20),
                   integer(u"trials"_s, 20), integer(u"concurrent"_s, 4))),
               stdout);
    return ExitOk;
}

int agent(CliContext &context)
{
    QDir().mkpath(context.workspace().runsPath());
    QLockFile lock(context.workspace().runsPath() + u"/.sweep-agent.lock"_s);
    lock.setStaleLockTime(0);
    if (!lock.tryLock(3000))
        return ExitOk; // another agent drives this workspace's sweeps
    Host host(context);
    QEventLoop loop;
    int idle = 0;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        const bool active = !host.sweeps.activeSweeps().isEmpty() || !host.runs.store().active().isEmpty();
        idle = active ? 0 : idle + 1;
        if (idle >= 4)
            loop.quit();
    });
    check.start(500);
    host.start();
    loop.exec();
    return ExitOk;
}

} // namespace

void registerSweepCommands(CommandRegistry &registry)
{
    registry.add({u"sweep"_s,
                  u"submit"_s,
                  {},
                  u"Submit a sweep (Azure ML v2 sweep YAML); prints its id (--wait: one line per trial start and "
                  u"end, exits 0 when it completes, 3 when it fails, 4 when canceled)."_s,
                  {QCommandLineOption(u"file"_s, u"The sweep file."_s, u"FILE"_s),
                   QCommandLineOption(u"priority"_s,
                                      u"Its trials' queue priority (low, normal, high or -1000..1000), over the "
                                      u"file's queue_settings.priority."_s,
                                      u"N|low|normal|high"_s),
                   QCommandLineOption(u"wait"_s, u"Run the sweep here and wait for it to end."_s)},
                  0,
                  0,
                  submit});
    registry.add({u"sweep"_s,
                  u"show"_s,
                  u"ID"_s,
                  u"Show a sweep and its trials (state, hyperparameters, primary metric)."_s,
                  {},
                  1,
                  1,
                  show});
    registry.add({u"sweep"_s,
                  u"best"_s,
                  u"ID"_s,
                  u"The best completed trial: run id, hyperparameters, primary metric."_s,
                  {},
                  1,
                  1,
                  best});
    registry.add({u"sweep"_s, u"cancel"_s, u"ID"_s, u"Cancel a sweep and its running trials."_s, {}, 1, 1, cancel});
    registry.add({u"sweep"_s,
                  u"preset"_s,
                  {},
                  u"Print the seed's HyperDrive configuration as a sweep file for the built-in trainer."_s,
                  {QCommandLineOption(u"dataset"_s, u"The MNIST dataset's name (default mnist)."_s, u"NAME"_s),
                   QCommandLineOption(u"epochs"_s, u"Epochs per trial (default 20)."_s, u"N"_s),
                   QCommandLineOption(u"trials"_s, u"max_total_trials (default 20)."_s, u"N"_s),
                   QCommandLineOption(u"concurrent"_s, u"max_concurrent_trials (default 4)."_s, u"N"_s)},
                  0,
                  0,
                  preset});
    registry.add({u"sweep"_s,
                  u"agent"_s,
                  {},
                  u"(internal) Drive this workspace's sweeps and run their trials until none is active."_s,
                  {},
                  0,
                  0,
                  agent});
}

} // namespace mldesk::cli
