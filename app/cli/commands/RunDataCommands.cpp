// run commands for a run's data: metrics [--follow], files, download.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "app/cli/commands/RunCommandSupport.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunService.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

// `run metrics ID --follow`: every point of the run, once and in store order, as it is stored (by whichever MLDesk
// process ingests it), one tab-separated line each (name, step, value or path), until the run ends.
int followMetrics(CliContext &context)
{
    core::RunService service(context.workspace());
    const core::RunRecord run = service.store().get(context.arguments().at(0));
    qint64 held = 0; // the store's chunks up to here are printed
    auto print = [&](const QList<core::MetricPoint> &points) {
        QString text;
        const qint64 before = held;
        for (const core::MetricPoint &p : points) {
            if (p.seq > 0 && p.seq <= before)
                continue;
            held = std::max(held, p.seq);
            text += p.name + u'\t' + QString::number(p.step) + u'\t' +
                    (std::isnan(p.value) ? p.text : QString::number(p.value, 'g', 17)) + u'\n';
        }
        writeOut(text);
    };
    // The signal says "more is stored"; the store says what (from the last chunk printed, so nothing stored
    // before this service began watching is skipped).
    auto catchUp = [&] {
        qint64 from = held;
        print(service.store().metricsAfter(run.id, from));
    };
    catchUp();
    QObject::connect(&service, &core::RunService::metricsAppended, &service,
                     [&](const QString &id, const QList<core::MetricPoint> &) {
                         if (id == run.uid)
                             catchUp();
                     });
    const core::RunState end = core::isTerminal(run.state) ? run.state : follow(service, run.uid, false, false);
    catchUp(); // stored after the service stopped watching
    return runExitCodeFor(end);
}

int metrics(CliContext &context)
{
    if (context.isSet(u"follow"_s))
        return followMetrics(context);
    auto service = passiveService(context);
    const core::RunRecord run = service->store().get(context.arguments().at(0));
    const QString name = context.value(u"name"_s);
    const QList<core::MetricPoint> points = service->store().metrics(run.id, name);
    if (!name.isEmpty() && points.isEmpty())
        throw core::WorkspaceError(u"run '%1' has no metric '%2'; its metrics are: %3"_s.arg(
            run.uid, name, service->store().metricNames(run.id).join(u", "_s)));
    QList<QList<Output::Field>> rows;
    auto fieldsOf = [](const core::MetricPoint &p) {
        return QList<Output::Field>{
            {u"name"_s, u"NAME"_s, p.name},
            {u"step"_s, u"STEP"_s, double(p.step)},
            {u"value"_s, u"VALUE"_s, std::isnan(p.value) ? QJsonValue() : QJsonValue(p.value)},
            {u"path"_s, u"PATH"_s, p.text},
            {u"time"_s, u"TIME (UTC)"_s, QDateTime::fromMSecsSinceEpoch(p.timeMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        };
    };
    if (context.isSet(u"last"_s)) { // the final value of each metric (points come by name, then step)
        for (qsizetype i = 0; i < points.size(); ++i)
            if (i + 1 == points.size() || points[i + 1].name != points[i].name)
                rows.append(fieldsOf(points[i]));
    } else {
        for (const core::MetricPoint &p : points)
            rows.append(fieldsOf(p));
    }
    context.out().table(rows, fieldsOf(core::MetricPoint{}));
    return ExitOk;
}

int files(CliContext &context)
{
    auto service = passiveService(context);
    const core::RunRecord run = service->store().get(context.arguments().at(0));
    QList<core::RunFileEntry> entries = run.outputs;
    if (run.isActive()) { // not captured yet: what the job has written so far
        entries.clear();
        for (const QString &sub : {u"outputs"_s, u"logs"_s}) {
            QDirIterator it(run.runDir + u'/' + sub, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QFileInfo info(it.next());
                entries.append(
                    {sub + u'/' + QDir(run.runDir + u'/' + sub).relativeFilePath(info.filePath()), {}, info.size()});
            }
        }
    }
    QList<QList<Output::Field>> rows;
    auto fieldsOf = [](const core::RunFileEntry &f) {
        return QList<Output::Field>{{u"path"_s, u"PATH"_s, f.path},
                                    {u"size"_s, u"SIZE"_s, double(f.size)},
                                    {u"sha256"_s, u"SHA-256"_s, f.hash}};
    };
    for (const core::RunFileEntry &f : entries)
        rows.append(fieldsOf(f));
    context.out().table(rows, fieldsOf(core::RunFileEntry{}));
    return ExitOk;
}

int download(CliContext &context)
{
    auto service = passiveService(context);
    const core::RunRecord run = service->store().get(context.arguments().at(0));
    if (run.isActive())
        throw core::WorkspaceError(u"run '%1' is still %2; its files can be downloaded once it has ended"_s.arg(
            run.uid, core::runStateName(run.state)));
    if (!context.isSet(u"to"_s))
        throw UsageError(u"say where to put the files: --to DIR"_s);
    const QString to = QDir(context.value(u"to"_s)).absolutePath();
    const int count =
        core::RunFiles::download(context.workspace().blobs(), run.outputs, context.value(u"prefix"_s), to);
    context.out().note(u"Downloaded %1 file(s) of %2 into %3"_s.arg(count).arg(run.uid, to));
    return ExitOk;
}

} // namespace

void registerRunDataCommands(CommandRegistry &registry)
{
    registry.add({u"run"_s,
                  u"metrics"_s,
                  u"ID"_s,
                  u"Print a run's metrics as a table (or --json)."_s,
                  {QCommandLineOption(u"name"_s, u"Only this metric."_s, u"NAME"_s),
                   QCommandLineOption(u"last"_s, u"Only the last point of each metric (the final values)."_s),
                   QCommandLineOption(u"follow"_s, u"Print each point as it is stored (name, step, value; "
                                                   u"tab-separated), until the run ends."_s)},
                  1,
                  1,
                  metrics});
    registry.add({u"run"_s, u"files"_s, u"ID"_s, u"List a run's files (outputs/ and logs/)."_s, {}, 1, 1, files});
    registry.add({u"run"_s,
                  u"download"_s,
                  u"ID"_s,
                  u"Download a run's files (verified) into a folder."_s,
                  {QCommandLineOption(u"prefix"_s, u"Only files under this path, e.g. outputs/model."_s, u"PATH"_s),
                   QCommandLineOption(u"to"_s, u"Destination folder."_s, u"DIR"_s)},
                  1,
                  1,
                  download});
}

} // namespace mldesk::cli
