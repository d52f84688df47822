// model commands: register (from a run's outputs or local files), list/versions/show with filters and lineage,
// tag, archive/restore/delete, download (verified, progress bar on stderr) and Keras .zip export.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/models/ManifestDownloadJob.h"
#include "core/models/ModelExport.h"
#include "core/models/ModelLineage.h"
#include "core/models/ModelRegistry.h"
#include "core/models/ModelService.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QJsonArray>

#include <cstdio>
#include <optional>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

// Bytes done of a total on stderr: one bar redrawn in place on a terminal; else a line at each 25 % and at the end.
class ByteProgressBar final {
public:
    explicit ByteProgressBar(QString verb) : m_verb(std::move(verb)), m_tty(::isatty(STDERR_FILENO) == 1) {}
    void update(qint64 done, qint64 total, const QString &file)
    {
        const int percent = total > 0 ? int(std::min<qint64>(100, done * 100 / total)) : 100;
        const QString amount = Output::humanBytes(double(done)) + u" / "_s + Output::humanBytes(double(total));
        if (!m_tty) {
            if (percent / 25 > m_lastQuarter || (done == total && !m_ended)) {
                m_lastQuarter = percent / 25;
                m_ended = done == total;
                Output::toStderr(u"%1 %2% %3%4\n"_s.arg(m_verb)
                                     .arg(percent, 3)
                                     .arg(amount, file.isEmpty() ? QString() : u"  "_s + file));
            }
            return;
        }
        constexpr int width = 30;
        const int filled = percent * width / 100;
        const QString line = u"\r%1 ["_s.arg(m_verb) + QString(filled, u'#') + QString(width - filled, u'.') +
                             u"] %1% %2  %3"_s.arg(percent, 3).arg(amount, file);
        Output::toStderr(line.leftJustified(m_lastWidth));
        m_lastWidth = int(line.size());
    }
    void finish()
    {
        if (m_tty && m_lastWidth > 0)
            Output::toStderr(u"\n"_s);
    }

private:
    QString m_verb;
    bool m_tty;
    int m_lastWidth = 0;
    int m_lastQuarter = -1;
    bool m_ended = false;
};

QJsonObject toObject(const QMap<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.begin(); it != map.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QString joined(const QMap<QString, QString> &map)
{
    QStringList parts;
    for (auto it = map.begin(); it != map.end(); ++it)
        parts.append(it.key() + u'=' + it.value());
    return parts.join(u", "_s);
}

QJsonValue mapValue(const QMap<QString, QString> &map, bool json)
{
    return json ? QJsonValue(toObject(map)) : QJsonValue(joined(map));
}

QList<Output::Field> versionRow(const core::ModelVersion &v, bool json)
{
    return {{u"id"_s, u"ID"_s, v.qualifiedName()},
            {u"framework"_s, u"FRAMEWORK"_s, v.framework},
            {u"files"_s, u"FILES"_s, int(v.files.size())},
            {u"total_bytes"_s, u"SIZE"_s,
             json ? QJsonValue(double(v.totalBytes())) : Output::humanBytes(double(v.totalBytes()))},
            {u"run"_s, u"RUN"_s, v.runUid.isEmpty() ? QJsonValue() : QJsonValue(v.runUid)},
            {u"archived"_s, u"ARCHIVED"_s, v.archived},
            {u"created"_s, u"CREATED (UTC)"_s, v.created.toString(Qt::ISODate)},
            {u"tags"_s, u"TAGS"_s, mapValue(v.tags, json)},
            {u"properties"_s, u"PROPERTIES"_s, mapValue(v.properties, json)}};
}

core::ModelRegistry registryOf(CliContext &context)
{
    core::Workspace &ws = context.workspace();
    return core::ModelRegistry(ws.database(), ws.blobs());
}

int registerModel(CliContext &context)
{
    const QStringList args = context.arguments();
    core::ModelRegistration r;
    r.name = args.at(0);
    r.description = context.value(u"description"_s);
    r.tags = context.keyValues(u"tag"_s);
    r.properties = context.keyValues(u"property"_s);
    const bool fromRun = context.isSet(u"run"_s);
    const bool fromFiles = context.isSet(u"files"_s);
    if (fromRun == fromFiles)
        throw UsageError(u"register from a run (--run ID --path outputs/model) or from local files (--files PATH...),"
                         u" one of the two"_s);
    if (fromFiles && args.size() < 2)
        throw UsageError(u"--files needs at least one file or folder after the model name"_s);
    if (fromRun && args.size() > 1)
        throw UsageError(u"unexpected arguments after the model name: %1 (local files go with --files)"_s.arg(
            args.mid(1).join(u' ')));
    if (fromRun && !context.isSet(u"path"_s))
        throw UsageError(u"name the file or folder of the run's outputs to register: --path outputs/model"_s);
    core::ModelRegistry registry = registryOf(context);
    core::ModelVersion v;
    if (fromRun) {
        r.runUid = context.value(u"run"_s);
        r.runPath = context.value(u"path"_s);
        v = registry.registerFromRun(r);
    } else {
        r.files = args.mid(1);
        v = registry.registerFiles(r);
    }
    if (context.out().json()) {
        context.out().record(versionRow(v, true));
        return ExitOk;
    }
    // The ID alone on stdout (like Azure's print(model.id)), so scripts can capture it; details on stderr.
    context.out().note(v.qualifiedName());
    Output::toStderr(u"Registered model %1 (%2, %3, %4)%5\n"_s.arg(
        v.qualifiedName(), v.framework, v.files.size() == 1 ? u"1 file"_s : u"%1 files"_s.arg(v.files.size()),
        Output::humanBytes(double(v.totalBytes())),
        v.runUid.isEmpty() ? QString() : u" from run "_s + v.runUid + u" " + v.source));
    return ExitOk;
}

core::ModelFilter filterOf(CliContext &context)
{
    core::ModelFilter filter;
    if (context.isSet(u"filter"_s))
        filter = core::ModelFilter::parse(context.value(u"filter"_s));
    for (const QString &tag : context.values(u"tag"_s))
        filter.add(core::ModelFilter::tagClause(tag));
    return filter;
}

int list(CliContext &context)
{
    const core::ModelFilter filter = filterOf(context);
    const bool all = context.isSet(u"all"_s);
    const bool json = context.out().json();
    const QList<core::ModelSummary> models = registryOf(context).list(filter, all);
    const QList<Output::Field> header{{u"name"_s, u"NAME"_s, {}},
                                      {u"latest"_s, u"LATEST"_s, {}},
                                      {u"versions"_s, u"VERSIONS"_s, {}},
                                      {u"archived_versions"_s, u"ARCHIVED"_s, {}},
                                      {u"framework"_s, u"FRAMEWORK"_s, {}},
                                      {u"run"_s, u"RUN"_s, {}},
                                      {u"created"_s, u"CREATED (UTC)"_s, {}},
                                      {u"tags"_s, u"TAGS"_s, {}}};
    QList<QList<Output::Field>> rows;
    for (const core::ModelSummary &s : models) {
        const core::ModelVersion &v = s.latest;
        rows.append({{u"name"_s, u"NAME"_s, s.name},
                     {u"latest"_s, u"LATEST"_s, v.qualifiedName()},
                     {u"versions"_s, u"VERSIONS"_s, s.versionCount},
                     {u"archived_versions"_s, u"ARCHIVED"_s, s.archivedCount},
                     {u"framework"_s, u"FRAMEWORK"_s, v.framework},
                     {u"run"_s, u"RUN"_s, v.runUid.isEmpty() ? QJsonValue() : QJsonValue(v.runUid)},
                     {u"created"_s, u"CREATED (UTC)"_s, v.created.toString(Qt::ISODate)},
                     {u"tags"_s, u"TAGS"_s, mapValue(v.tags, json)}});
    }
    if (rows.isEmpty() && !json) {
        context.out().note(filter.isEmpty() ? u"No models registered yet (mldesk-cli model register)."_s
                                            : u"No model matches the filter."_s);
        return ExitOk;
    }
    context.out().table(rows, header);
    return ExitOk;
}

int versions(CliContext &context)
{
    const core::ModelFilter filter = filterOf(context);
    QList<QList<Output::Field>> rows;
    for (const core::ModelVersion &v :
         registryOf(context).versions(context.arguments().at(0), context.isSet(u"all"_s))) {
        if (filter.matches(v))
            rows.append(versionRow(v, context.out().json()));
    }
    context.out().table(rows, versionRow(core::ModelVersion{}, false));
    return ExitOk;
}

int show(CliContext &context)
{
    core::Workspace &ws = context.workspace();
    const core::ModelRegistry registry(ws.database(), ws.blobs());
    const core::ModelVersion v = registry.resolve(context.arguments().at(0));
    const core::ModelLineageInfo lineage = core::ModelLineage(ws.database()).of(v);
    const bool json = context.out().json();
    QJsonObject metrics;
    QStringList metricText;
    for (auto it = lineage.metrics.begin(); it != lineage.metrics.end(); ++it) {
        metrics.insert(it.key(), it.value());
        metricText.append(it.key() + u'=' + QString::number(it.value(), 'g', 6));
    }
    QList<Output::Field> fields{
        {u"id"_s, u"ID"_s, v.qualifiedName()},
        {u"name"_s, u"Name"_s, v.name},
        {u"version"_s, u"Version"_s, v.version},
        {u"framework"_s, u"Framework"_s, v.framework},
        {u"description"_s, u"Description"_s, v.description},
        {u"archived"_s, u"Archived"_s, v.archived},
        {u"created"_s, u"Created (UTC)"_s, v.created.toString(Qt::ISODate)},
        {u"source"_s, u"Source"_s, v.source},
        {u"manifest_hash"_s, u"Manifest SHA-256"_s, v.manifestHash},
        {u"total_bytes"_s, u"Size"_s,
         json ? QJsonValue(double(v.totalBytes())) : Output::humanBytes(double(v.totalBytes()))},
        {u"tags"_s, u"Tags"_s, mapValue(v.tags, json)},
        {u"properties"_s, u"Properties"_s, mapValue(v.properties, json)},
        {u"run"_s, u"Run"_s, lineage.runUid.isEmpty() ? QJsonValue() : QJsonValue(lineage.runUid)},
        {u"run_state"_s, u"Run state"_s, lineage.runState.isEmpty() ? QJsonValue() : QJsonValue(lineage.runState)},
        {u"experiment"_s, u"Experiment"_s, lineage.experiment.isEmpty() ? QJsonValue() : lineage.experiment},
        {u"environment"_s, u"Environment"_s, lineage.environment.isEmpty() ? QJsonValue() : lineage.environment},
        {u"compute_target"_s, u"Compute"_s, lineage.computeTarget.isEmpty() ? QJsonValue() : lineage.computeTarget},
        {u"datasets"_s, u"Datasets"_s,
         json ? QJsonValue(QJsonArray::fromStringList(lineage.datasets)) : QJsonValue(lineage.datasets.join(u", "_s))},
        {u"metrics"_s, u"Run metrics"_s, json ? QJsonValue(metrics) : QJsonValue(metricText.join(u", "_s))},
    };
    const QList<Output::Field> fileHeader{
        {u"path"_s, u"PATH"_s, {}}, {u"size"_s, u"SIZE"_s, {}}, {u"sha256"_s, u"SHA-256"_s, {}}};
    if (json) {
        QJsonArray files;
        for (const core::ManifestEntry &e : v.files)
            files.append(QJsonObject{{u"path"_s, e.path}, {u"size"_s, double(e.size)}, {u"sha256"_s, e.hash}});
        fields.append({u"files"_s, u"Files"_s, files});
        context.out().record(fields);
        return ExitOk;
    }
    context.out().record(fields);
    context.out().note(QString());
    QList<QList<Output::Field>> rows;
    for (const core::ManifestEntry &e : v.files)
        rows.append({{u"path"_s, u"PATH"_s, e.path},
                     {u"size"_s, u"SIZE"_s, double(e.size)},
                     {u"sha256"_s, u"SHA-256"_s, e.hash}});
    context.out().table(rows, fileHeader);
    return ExitOk;
}

int download(CliContext &context)
{
    if (!context.isSet(u"to"_s))
        throw UsageError(u"name the folder to download into: --to DIR"_s);
    core::Workspace &ws = context.workspace();
    const core::ModelVersion v = core::ModelRegistry(ws.database(), ws.blobs()).resolve(context.arguments().at(0));
    core::ModelService service(ws);
    const QString folder = context.value(u"to"_s);
    const std::unique_ptr<core::ManifestDownloadJob> job = service.download(v, folder, context.isSet(u"overwrite"_s));
    ByteProgressBar bar(u"downloading %1"_s.arg(v.qualifiedName()));
    QEventLoop loop; // the CLI's only event loop: it waits for the job like the GUI would
    std::optional<core::ManifestDownloadResult> result;
    QString failure;
    QObject::connect(job.get(), &core::ManifestDownloadJob::progress, &loop,
                     [&](qint64 done, qint64 total, const QString &file) { bar.update(done, total, file); });
    QObject::connect(job.get(), &core::ManifestDownloadJob::succeeded, &loop,
                     [&](const core::ManifestDownloadResult &r) {
                         result = r;
                         loop.quit();
                     });
    QObject::connect(job.get(), &core::ManifestDownloadJob::failed, &loop, [&](const QString &message) {
        failure = message;
        loop.quit();
    });
    job->start(service.pool());
    loop.exec();
    bar.finish();
    if (!result)
        throw core::WorkspaceError(failure);
    if (context.out().json()) {
        context.out().record({{u"id"_s, u"ID"_s, v.qualifiedName()},
                              {u"files"_s, u"Files"_s, QJsonArray::fromStringList(result->files)},
                              {u"total_bytes"_s, u"Size"_s, double(result->bytes)}});
        return ExitOk;
    }
    context.out().note(u"Downloaded model %1 (%2 files, %3, SHA-256 verified) to %4"_s.arg(
        v.qualifiedName(), QString::number(result->files.size()), Output::humanBytes(double(result->bytes)),
        QDir(folder).absolutePath()));
    for (const QString &f : result->files)
        context.out().note(u"  "_s + f);
    return ExitOk;
}

int exportModel(CliContext &context)
{
    if (!context.isSet(u"to"_s))
        throw UsageError(u"name the archive to write: --to FILE.zip"_s);
    core::Workspace &ws = context.workspace();
    const core::ModelVersion v = core::ModelRegistry(ws.database(), ws.blobs()).resolve(context.arguments().at(0));
    core::ModelService service(ws);
    const std::unique_ptr<core::ModelExportJob> job =
        service.exportZip(v, context.value(u"to"_s), context.isSet(u"overwrite"_s));
    ByteProgressBar bar(u"exporting %1"_s.arg(v.qualifiedName()));
    QEventLoop loop;
    std::optional<core::ModelExportResult> result;
    QString failure;
    QObject::connect(job.get(), &core::ModelExportJob::progress, &loop,
                     [&](qint64 done, qint64 total) { bar.update(done, total, {}); });
    QObject::connect(job.get(), &core::ModelExportJob::succeeded, &loop, [&](const core::ModelExportResult &r) {
        result = r;
        loop.quit();
    });
    QObject::connect(job.get(), &core::ModelExportJob::failed, &loop, [&](const QString &message) {
        failure = message;
        loop.quit();
    });
    job->start(service.pool());
    loop.exec();
    bar.finish();
    if (!result)
        throw core::WorkspaceError(failure);
    if (context.out().json()) {
        context.out().record({{u"id"_s, u"ID"_s, v.qualifiedName()},
                              {u"zip"_s, u"Archive"_s, result->zipPath},
                              {u"bytes"_s, u"Size"_s, double(result->bytes)},
                              {u"entries"_s, u"Entries"_s, QJsonArray::fromStringList(result->entries)}});
        return ExitOk;
    }
    context.out().note(u"Exported model %1 to %2 (%3: %4)"_s.arg(
        v.qualifiedName(), result->zipPath, Output::humanBytes(double(result->bytes)), result->entries.join(u", "_s)));
    return ExitOk;
}

int tag(CliContext &context)
{
    const QStringList args = context.arguments();
    core::ModelRegistry registry = registryOf(context);
    const core::ModelVersion v = registry.resolve(args.at(0), true);
    QMap<QString, QString> set;
    for (const QString &kv : args.mid(1)) {
        const auto [key, value] = core::ModelRegistry::parseKeyValue(kv, u"a tag"_s);
        set.insert(key, value);
    }
    const QStringList remove = context.values(u"remove"_s);
    if (set.isEmpty() && remove.isEmpty())
        throw UsageError(u"give tags to set (KEY=VALUE ...) or to remove (--remove KEY)"_s);
    registry.setTags(v, set, remove);
    const core::ModelVersion after = registry.resolve(v.qualifiedName());
    context.out().note(
        u"Tags of %1: %2"_s.arg(after.qualifiedName(), after.tags.isEmpty() ? u"(none)"_s : joined(after.tags)));
    if (context.out().json())
        context.out().record(versionRow(after, true));
    return ExitOk;
}

int setArchived(CliContext &context, bool archived)
{
    core::ModelRegistry registry = registryOf(context);
    const core::ModelVersion v = registry.resolve(context.arguments().at(0), true);
    if (v.archived == archived) {
        context.out().note(u"Model %1 is already %2."_s.arg(v.qualifiedName(), archived ? u"archived"_s : u"active"_s));
    } else {
        registry.setArchived(v, archived);
        context.out().note(archived
                               ? u"Archived model %1 (hidden from lists; mldesk-cli model list --all shows it)."_s.arg(
                                     v.qualifiedName())
                               : u"Restored model %1."_s.arg(v.qualifiedName()));
    }
    if (context.out().json())
        context.out().record(versionRow(registry.resolve(v.qualifiedName()), true));
    return ExitOk;
}

int lineage(CliContext &context)
{
    core::ModelLineage lineage(context.workspace().database());
    const bool json = context.out().json();
    if (context.isSet(u"run"_s) == context.isSet(u"dataset"_s))
        throw UsageError(u"give --run ID (models registered from it) or --dataset NAME:VERSION (runs that consumed "
                         u"it and models built on it)"_s);
    if (context.isSet(u"run"_s)) {
        const QStringList models = lineage.modelsFromRun(context.value(u"run"_s));
        if (json)
            context.out().record({{u"run"_s, u"Run"_s, context.value(u"run"_s)},
                                  {u"models"_s, u"Models"_s, QJsonArray::fromStringList(models)}});
        else
            context.out().record({{u"run"_s, u"Run"_s, context.value(u"run"_s)},
                                  {u"models"_s, u"Models"_s, models.isEmpty() ? u"(none)"_s : models.join(u", "_s)}});
        return ExitOk;
    }
    const QString dataset = context.value(u"dataset"_s);
    const qsizetype colon = dataset.lastIndexOf(u':');
    bool ok = false;
    const int version = colon > 0 ? dataset.mid(colon + 1).toInt(&ok) : 0;
    if (!ok || version <= 0)
        throw UsageError(u"--dataset takes NAME:VERSION (e.g. fashion-mnist:1), not '%1'"_s.arg(dataset));
    const QStringList runs = lineage.runsConsumingDataset(dataset.left(colon), version);
    const QStringList models = lineage.modelsFromDataset(dataset.left(colon), version);
    if (json)
        context.out().record({{u"dataset"_s, u"Dataset"_s, dataset},
                              {u"runs"_s, u"Runs"_s, QJsonArray::fromStringList(runs)},
                              {u"models"_s, u"Models"_s, QJsonArray::fromStringList(models)}});
    else
        context.out().record({{u"dataset"_s, u"Dataset"_s, dataset},
                              {u"runs"_s, u"Runs"_s, runs.isEmpty() ? u"(none)"_s : runs.join(u", "_s)},
                              {u"models"_s, u"Models"_s, models.isEmpty() ? u"(none)"_s : models.join(u", "_s)}});
    return ExitOk;
}

QString filterOptionHelp()
{
    // Indented under the option column of the help text.
    QString text = u"Only versions matching EXPR.\n"_s + core::ModelFilter::syntaxHelp();
    text.replace(u"\n"_s, u"\n"_s + QString(27, u' '));
    return text.trimmed();
}

} // namespace

void registerModelCommands(CommandRegistry &registry)
{
    const QCommandLineOption tagOption(u"tag"_s, u"A tag KEY=VALUE (repeatable)."_s, u"KEY=VALUE"_s);
    registry.add(
        {u"model"_s,
         u"register"_s,
         u"NAME (--run ID --path PATH | --files PATH...)"_s,
         u"Register a new version of a model from a completed run's outputs or local files; prints NAME:N."_s,
         {QCommandLineOption(u"run"_s, u"The run (must be Completed) whose outputs hold the model."_s, u"ID"_s),
          QCommandLineOption(u"path"_s, u"File or folder inside the run's outputs, e.g. outputs/model."_s, u"PATH"_s),
          QCommandLineOption(u"files"_s, u"Register the local files and folders given as arguments."_s),
          QCommandLineOption(u"description"_s, u"What the model is."_s, u"TEXT"_s), tagOption,
          QCommandLineOption(u"property"_s,
                             u"A property KEY=VALUE (repeatable; a run's final metrics are added as "
                             u"properties unless given)."_s,
                             u"KEY=VALUE"_s)},
         1,
         100000,
         registerModel});
    registry.add({u"model"_s,
                  u"list"_s,
                  {},
                  u"List models: the latest version of each, with counts."_s,
                  {QCommandLineOption(u"all"_s, u"Include archived versions."_s),
                   QCommandLineOption(u"tag"_s, u"Only versions with this tag, KEY or KEY=VALUE (repeatable)."_s,
                                      u"KEY[=VALUE]"_s),
                   QCommandLineOption(u"filter"_s, filterOptionHelp(), u"EXPR"_s)},
                  0,
                  0,
                  list});
    registry.add(
        {u"model"_s,
         u"versions"_s,
         u"NAME"_s,
         u"List the versions of one model."_s,
         {QCommandLineOption(u"all"_s, u"Include archived versions."_s),
          QCommandLineOption(u"tag"_s, u"Only versions with this tag (repeatable)."_s, u"KEY[=VALUE]"_s),
          QCommandLineOption(u"filter"_s, u"Only versions matching EXPR (see model list --help)."_s, u"EXPR"_s)},
         1,
         1,
         versions});
    registry.add({u"model"_s,
                  u"show"_s,
                  u"NAME[:VERSION]"_s,
                  u"Show a model version: files with sizes and hashes, tags, properties, lineage, run metrics."_s,
                  {},
                  1,
                  1,
                  show});
    registry.add({u"model"_s,
                  u"download"_s,
                  u"NAME[:VERSION]"_s,
                  u"Copy a model version's files into a folder, verified by SHA-256, with progress."_s,
                  {QCommandLineOption(u"to"_s, u"Destination folder (created when missing)."_s, u"DIR"_s),
                   QCommandLineOption(u"overwrite"_s, u"Replace files that already exist there."_s)},
                  1,
                  1,
                  download});
    registry.add({u"model"_s,
                  u"tag"_s,
                  u"NAME:VERSION [KEY=VALUE...]"_s,
                  u"Set or remove tags of a model version."_s,
                  {QCommandLineOption(u"remove"_s, u"Remove this tag (repeatable)."_s, u"KEY"_s)},
                  1,
                  1000,
                  tag});
    registry.add({u"model"_s,
                  u"archive"_s,
                  u"NAME:VERSION"_s,
                  u"Archive a model version: hidden from default lists, not deleted."_s,
                  {},
                  1,
                  1,
                  [](CliContext &c) {
                      return setArchived(c, true);
                  }});
    registry.add({u"model"_s,
                  u"restore"_s,
                  u"NAME:VERSION"_s,
                  u"Restore an archived model version."_s,
                  {},
                  1,
                  1,
                  [](CliContext &c) {
                      return setArchived(c, false);
                  }});
    // model delete (asks once, --yes) is registered with the other deletions in DeleteCommands.cpp.
    registry.add({u"model"_s,
                  u"export"_s,
                  u"NAME[:VERSION]"_s,
                  u"Export a Keras model version as one .zip (model.json, model.h5, mldesk-model.json)."_s,
                  {QCommandLineOption(u"to"_s, u"The .zip file to write."_s, u"FILE.zip"_s),
                   QCommandLineOption(u"overwrite"_s, u"Replace the file if it exists."_s)},
                  1,
                  1,
                  exportModel});
    registry.add({u"model"_s,
                  u"lineage"_s,
                  {},
                  u"Models registered from a run, or runs and models that used a dataset version."_s,
                  {QCommandLineOption(u"run"_s, u"A run id."_s, u"ID"_s),
                   QCommandLineOption(u"dataset"_s, u"A dataset version."_s, u"NAME:VERSION"_s)},
                  0,
                  0,
                  lineage});
}

} // namespace mldesk::cli
