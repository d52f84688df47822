// dataset commands: register (URLs, files, folders; progress bar on stderr), list, show (manifest) and download.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/datasets/DatasetMaterializer.h"
#include "core/datasets/DatasetRegistrationJob.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>

#include <csignal>
#include <cstdio>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

// A progress bar on stderr: redrawn in place on a terminal, one line per file and phase otherwise.
class ProgressBar final {
public:
    ProgressBar() : m_tty(::isatty(STDERR_FILENO) == 1) {}
    void update(const core::DatasetRegistrationProgress &p)
    {
        using Phase = core::DatasetRegistrationProgress::Phase;
        const QString verb = p.phase == Phase::Downloading ? u"downloading"_s
                             : p.phase == Phase::Hashing   ? u"hashing"_s
                                                           : u"storing"_s;
        const bool done = p.total >= 0 && p.bytes >= p.total;
        if (!m_tty) {
            const QString key = verb + p.file;
            if (done && key != m_lastDone) {
                m_lastDone = key;
                Output::toStderr(u"[%1/%2] %3 %4: %5\n"_s.arg(p.fileIndex)
                                     .arg(p.fileCount)
                                     .arg(verb, p.file, Output::humanBytes(double(p.bytes))));
            }
            return;
        }
        constexpr int width = 30;
        QString bar;
        QString amount = Output::humanBytes(double(p.bytes));
        if (p.total > 0) {
            const double fraction = std::min(1.0, double(p.bytes) / double(p.total));
            const int filled = int(fraction * width);
            bar = u"["_s + QString(filled, u'#') + QString(width - filled, u'.') + u"] "_s +
                  u"%1%"_s.arg(int(fraction * 100), 3);
            amount += u" / "_s + Output::humanBytes(double(p.total));
        } else {
            bar = u"["_s + QString(width, u'?') + u"]     "_s;
        }
        if (p.bytesPerSecond > 0)
            amount += u"  "_s + Output::humanBytes(p.bytesPerSecond) + u"/s"_s;
        const QString line =
            u"\r%1 [%2/%3] %4 %5  %6"_s.arg(bar).arg(p.fileIndex).arg(p.fileCount).arg(verb, p.file, amount);
        Output::toStderr(line.leftJustified(m_lastWidth));
        m_lastWidth = int(line.size());
    }
    void finish()
    {
        if (m_tty && m_lastWidth > 0)
            Output::toStderr(u"\n"_s);
    }

private:
    bool m_tty;
    int m_lastWidth = 0;
    QString m_lastDone;
};

// Ctrl-C during a registration cancels it cleanly (no version, no orphan blobs) instead of killing the process.
// cancel() only stores an atomic flag, which is safe in a signal handler.
core::DatasetRegistrationJob *g_runningJob = nullptr;
extern "C" void cancelOnInterrupt(int)
{
    if (g_runningJob)
        g_runningJob->cancel();
}

QList<Output::Field> versionFields(const core::DatasetVersion &v, bool json)
{
    QStringList tags;
    for (auto it = v.tags.begin(); it != v.tags.end(); ++it)
        tags.append(it.key() + u'=' + it.value());
    QJsonObject tagObject;
    for (auto it = v.tags.begin(); it != v.tags.end(); ++it)
        tagObject.insert(it.key(), it.value());
    return {{u"name"_s, u"Name"_s, v.name},
            {u"version"_s, u"Version"_s, v.version},
            {u"files"_s, u"Files"_s, v.fileCount},
            {u"total_bytes"_s, u"Size"_s, v.totalBytes},
            {u"manifest_hash"_s, u"Manifest SHA-256"_s, v.manifestHash},
            {u"created"_s, u"Created (UTC)"_s, v.created.toString(Qt::ISODate)},
            {u"description"_s, u"Description"_s, v.description},
            {u"tags"_s, u"Tags"_s, json ? QJsonValue(tagObject) : QJsonValue(tags.join(u", "_s))}};
}

int registerDataset(CliContext &context)
{
    const QStringList args = context.arguments();
    core::DatasetRegistrationParams params;
    params.workspacePath = context.workspace().path();
    params.name = args.at(0);
    params.sources = args.mid(1);
    params.description = context.value(u"description"_s);
    params.tags = context.keyValues(u"tag"_s);
    params.createNewVersion = context.isSet(u"new-version"_s);
    core::DatasetRegistrationJob job(params);
    ProgressBar bar;
    QEventLoop loop; // the CLI's only event loop: it waits for the job like the GUI would
    std::optional<core::DatasetRegistrationResult> result;
    QString failure;
    QObject::connect(&job, &core::DatasetRegistrationJob::progress, &loop,
                     [&](const core::DatasetRegistrationProgress &p) { bar.update(p); });
    QObject::connect(&job, &core::DatasetRegistrationJob::succeeded, &loop,
                     [&](const core::DatasetRegistrationResult &r) {
                         result = r;
                         loop.quit();
                     });
    QObject::connect(&job, &core::DatasetRegistrationJob::failed, &loop, [&](const QString &message) {
        failure = message;
        loop.quit();
    });
    g_runningJob = &job;
    auto previousInt = std::signal(SIGINT, cancelOnInterrupt);
    auto previousTerm = std::signal(SIGTERM, cancelOnInterrupt);
    job.start();
    loop.exec();
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
    g_runningJob = nullptr;
    bar.finish();
    if (!result)
        throw core::WorkspaceError(failure);
    const core::DatasetVersion &v = result->version;
    if (result->unchanged)
        context.out().note(u"Dataset '%1' unchanged, version %2 (%3 files, %4)"_s.arg(v.name)
                               .arg(v.version)
                               .arg(v.fileCount)
                               .arg(Output::humanBytes(double(v.totalBytes))));
    else
        context.out().note(u"Registered dataset '%1' version %2 (%3 files, %4)"_s.arg(v.name)
                               .arg(v.version)
                               .arg(v.fileCount)
                               .arg(Output::humanBytes(double(v.totalBytes))));
    if (context.out().json()) {
        QList<Output::Field> fields = versionFields(v, true);
        fields.append({u"unchanged"_s, u"Unchanged"_s, result->unchanged});
        context.out().record(fields);
    }
    return ExitOk;
}

int list(CliContext &context)
{
    core::DatasetRegistry registry(context.workspace().database());
    const QList<Output::Field> header{{u"name"_s, u"NAME"_s, {}},
                                      {u"version"_s, u"VERSION"_s, {}},
                                      {u"versions"_s, u"VERSIONS"_s, {}},
                                      {u"files"_s, u"FILES"_s, {}},
                                      {u"total_bytes"_s, u"SIZE"_s, {}},
                                      {u"created"_s, u"CREATED (UTC)"_s, {}},
                                      {u"description"_s, u"DESCRIPTION"_s, {}}};
    QList<QList<Output::Field>> rows;
    for (const core::DatasetSummary &s : registry.list()) {
        QList<core::DatasetVersion> shown;
        if (context.isSet(u"all-versions"_s))
            shown = registry.versions(s.name);
        else
            shown.append(registry.version(s.name, 0));
        for (const core::DatasetVersion &v : shown) {
            const QString size = context.out().json() ? QString() : Output::humanBytes(double(v.totalBytes));
            rows.append(
                {{u"name"_s, u"NAME"_s, s.name},
                 {u"version"_s, u"VERSION"_s, v.version},
                 {u"versions"_s, u"VERSIONS"_s, s.versionCount},
                 {u"files"_s, u"FILES"_s, v.fileCount},
                 {u"total_bytes"_s, u"SIZE"_s,
                  context.out().json() ? QJsonValue(double(v.totalBytes)) : QJsonValue(size)},
                 {u"created"_s, u"CREATED (UTC)"_s, v.created.toString(Qt::ISODate)},
                 {u"description"_s, u"DESCRIPTION"_s, v.description.isEmpty() ? s.description : v.description}});
        }
    }
    if (rows.isEmpty() && !context.out().json()) {
        context.out().note(u"No datasets yet; register one with: mldesk-cli dataset register NAME SOURCE..."_s);
        return ExitOk;
    }
    context.out().table(rows, header);
    return ExitOk;
}

int show(CliContext &context)
{
    core::DatasetRegistry registry(context.workspace().database());
    const core::DatasetVersion v = registry.resolve(context.arguments().at(0));
    const QList<core::DatasetFile> files = registry.files(v);
    QList<Output::Field> fields = versionFields(v, context.out().json());
    if (context.out().json()) {
        QJsonArray array;
        for (const core::DatasetFile &f : files)
            array.append(QJsonObject{{u"path"_s, f.relativePath},
                                     {u"size"_s, double(f.size)},
                                     {u"sha256"_s, f.hash},
                                     {u"source"_s, f.source}});
        fields.append({u"manifest"_s, u"Manifest"_s, array});
        context.out().record(fields);
        return ExitOk;
    }
    fields[3].value = QString(Output::humanBytes(double(v.totalBytes)) + u" (%1 bytes)"_s.arg(v.totalBytes));
    context.out().record(fields);
    context.out().note(QString());
    QList<QList<Output::Field>> rows;
    for (const core::DatasetFile &f : files)
        rows.append({{u"path"_s, u"PATH"_s, f.relativePath},
                     {u"size"_s, u"SIZE"_s, double(f.size)},
                     {u"sha256"_s, u"SHA-256"_s, f.hash.left(16)},
                     {u"source"_s, u"SOURCE"_s, f.source}});
    context.out().table(rows, {{u"path"_s, u"PATH"_s, {}},
                               {u"size"_s, u"SIZE"_s, {}},
                               {u"sha256"_s, u"SHA-256"_s, {}},
                               {u"source"_s, u"SOURCE"_s, {}}});
    return ExitOk;
}

int download(CliContext &context)
{
    const QString to = context.value(u"to"_s);
    if (to.isEmpty())
        throw UsageError(u"say where to put the files: --to DIR"_s);
    core::Workspace &ws = context.workspace();
    core::DatasetRegistry registry(ws.database());
    const core::DatasetVersion v = registry.resolve(context.arguments().at(0));
    const QList<core::DatasetFile> files = registry.files(v);
    const bool tty = ::isatty(STDERR_FILENO) == 1 && !context.out().json();
    QElapsedTimer throttle;
    throttle.start();
    core::DatasetMaterializer::download(ws.blobs(), files, to, [&](qint64 done, qint64 total) {
        if (!tty || (throttle.elapsed() < 100 && done < total))
            return;
        throttle.restart();
        Output::toStderr(
            u"\rcopying %1 / %2"_s.arg(Output::humanBytes(double(done)), Output::humanBytes(double(total))));
    });
    if (tty)
        Output::toStderr(u"\n"_s);
    const QString folder = QDir(to).absolutePath();
    context.out().note(u"Downloaded dataset '%1' version %2 (%3 files) to %4"_s.arg(v.name)
                           .arg(v.version)
                           .arg(v.fileCount)
                           .arg(folder));
    if (context.out().json())
        context.out().record({{u"name"_s, u"Name"_s, v.name},
                              {u"version"_s, u"Version"_s, v.version},
                              {u"files"_s, u"Files"_s, v.fileCount},
                              {u"folder"_s, u"Folder"_s, folder}});
    return ExitOk;
}

} // namespace

void registerDatasetCommands(CommandRegistry &registry)
{
    registry.add(
        {u"dataset"_s,
         u"register"_s,
         u"NAME SOURCE..."_s,
         u"Register files (http(s) URLs, files, folders) as a new dataset version."_s,
         {QCommandLineOption(u"description"_s, u"What the data is."_s, u"TEXT"_s),
          QCommandLineOption(u"tag"_s, u"A tag KEY=VALUE (repeatable)."_s, u"KEY=VALUE"_s),
          QCommandLineOption(u"new-version"_s, u"Allow changed content under an existing name (makes version N+1)."_s)},
         2,
         10000,
         registerDataset});
    registry.add({u"dataset"_s,
                  u"list"_s,
                  {},
                  u"List datasets (latest versions; --all-versions for every one)."_s,
                  {QCommandLineOption(u"all-versions"_s, u"One row per version."_s)},
                  0,
                  0,
                  list});
    registry.add(
        {u"dataset"_s, u"show"_s, u"NAME[:VERSION]"_s, u"Show a dataset version and its files."_s, {}, 1, 1, show});
    registry.add({u"dataset"_s,
                  u"download"_s,
                  u"NAME[:VERSION]"_s,
                  u"Copy a dataset version's files into a folder."_s,
                  {QCommandLineOption(u"to"_s, u"Destination folder (created when missing)."_s, u"DIR"_s)},
                  1,
                  1,
                  download});
}

} // namespace mldesk::cli
