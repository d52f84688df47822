// delete and clean-up commands (issue 17): run/dataset/model/environment delete - each lists what goes and asks
// once (--yes for scripts), refused while something still needs it - and workspace gc, which frees the stored
// files nothing refers to any more.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceDeleter.h"
#include "core/workspace/WorkspaceError.h"
#include "core/workspace/WorkspaceGc.h"

#include <QJsonArray>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

QString bulleted(const QStringList &lines)
{
    QString out;
    for (const QString &line : lines)
        out += u"  - "_s + line + u'\n';
    return out;
}

int deletePlanned(CliContext &context, const core::DeletionPlan &plan)
{
    if (!plan.allowed())
        throw core::WorkspaceError(
            u"%1 cannot be deleted, nothing was changed: %2"_s.arg(plan.what, plan.refusal.join(u"; "_s)));
    if (!context.isSet(u"yes"_s)) {
        Output::toStderr(u"This deletes:\n%1Delete %2? [y/N] "_s.arg(bulleted(plan.goes), plan.what));
        QTextStream in(stdin);
        const QString answer = in.readLine().trimmed().toLower();
        if (answer != u"y"_s && answer != u"yes"_s) {
            Output::error(u"nothing deleted (answer y to delete, or pass --yes)"_s);
            return ExitUserError;
        }
    }
    core::WorkspaceDeleter(context.workspace()).execute(plan);
    if (context.out().json()) {
        context.out().record({
            {u"deleted"_s, u"Deleted"_s, plan.what},
            {u"removed"_s, u"Removed"_s, QJsonArray::fromStringList(plan.goes)},
            {u"unreferenced_blobs"_s, u"Now unreferenced"_s, plan.freedBlobs},
            {u"unreferenced_bytes"_s, u"Their size"_s, double(plan.freedBytes)},
        });
        return ExitOk;
    }
    Output::text(u"Deleted %1:\n%2"_s.arg(plan.what, bulleted(plan.goes)));
    if (plan.freedBlobs > 0)
        Output::text(u"mldesk-cli workspace gc frees the %1 stored file(s) (%2) only it used.\n"_s.arg(plan.freedBlobs)
                         .arg(Output::humanBytes(double(plan.freedBytes))));
    return ExitOk;
}

int deleteRun(CliContext &context)
{
    return deletePlanned(context, core::WorkspaceDeleter(context.workspace()).planRun(context.arguments().at(0)));
}

int deleteDataset(CliContext &context)
{
    return deletePlanned(context,
                         core::WorkspaceDeleter(context.workspace()).planDatasetVersion(context.arguments().at(0)));
}

int deleteModel(CliContext &context)
{
    return deletePlanned(context,
                         core::WorkspaceDeleter(context.workspace()).planModelVersion(context.arguments().at(0)));
}

int deleteEnvironment(CliContext &context)
{
    return deletePlanned(context,
                         core::WorkspaceDeleter(context.workspace()).planEnvironmentVersion(context.arguments().at(0)));
}

int gc(CliContext &context)
{
    core::GcOptions options;
    options.dryRun = context.isSet(u"dry-run"_s);
    if (context.isSet(u"grace"_s)) {
        bool ok = false;
        options.graceSeconds = context.value(u"grace"_s).toLongLong(&ok);
        if (!ok || options.graceSeconds < 0)
            throw UsageError(
                u"--grace takes a number of seconds (0 or more), not '%1'"_s.arg(context.value(u"grace"_s)));
    }
    const core::GcResult result = core::WorkspaceGc(context.workspace()).collect(options);
    const QList<core::GcItem> items = result.blobs + result.temporary;
    if (context.out().json()) {
        QJsonArray paths;
        for (const core::GcItem &item : items)
            paths.append(item.path);
        context.out().record({
            {u"dry_run"_s, u"Dry run"_s, options.dryRun},
            {u"blobs"_s, u"Unreferenced blobs"_s, int(result.blobs.size())},
            {u"temporary"_s, u"Temporary leftovers"_s, int(result.temporary.size())},
            {u"freed_bytes"_s, u"Freed"_s, double(result.freedBytes())},
            {u"referenced"_s, u"Kept, referenced"_s, result.referencedCount},
            {u"young"_s, u"Kept, young"_s, result.youngCount},
            {u"paths"_s, u"Paths"_s, paths},
        });
        return ExitOk;
    }
    for (const core::GcItem &item : items)
        Output::text(u"%1 %2  %3\n"_s.arg(options.dryRun ? u"would remove"_s : u"removed"_s,
                                          Output::humanBytes(double(item.bytes)).rightJustified(10), item.path));
    Output::text(
        u"%1 %2: %3 unreferenced blob(s), %4 temporary leftover(s). Kept %5 referenced blob(s) and %6 "
        u"younger than %7 s (--grace).\n"_s
            .arg(options.dryRun ? u"Would free"_s : u"Freed"_s, Output::humanBytes(double(result.freedBytes())))
            .arg(result.blobs.size())
            .arg(result.temporary.size())
            .arg(result.referencedCount)
            .arg(result.youngCount)
            .arg(options.graceSeconds));
    return ExitOk;
}

QCommandLineOption yesOption()
{
    return QCommandLineOption(u"yes"_s, u"Delete without asking (for scripts)."_s);
}

} // namespace

void registerDeleteCommands(CommandRegistry &registry)
{
    registry.add(
        {u"run"_s,
         u"delete"_s,
         u"ID"_s,
         u"Delete a finished run with its folder, metrics and history (not while active or a model's source)."_s,
         {yesOption()},
         1,
         1,
         deleteRun});
    registry.add({u"dataset"_s,
                  u"delete"_s,
                  u"NAME:VERSION"_s,
                  u"Delete a dataset version (refused while a run or a model's lineage uses it)."_s,
                  {yesOption()},
                  1,
                  1,
                  deleteDataset});
    registry.add({u"model"_s,
                  u"delete"_s,
                  u"NAME:VERSION"_s,
                  u"Delete a model version with its tags and lineage."_s,
                  {yesOption()},
                  1,
                  1,
                  deleteModel});
    registry.add({u"environment"_s,
                  u"delete"_s,
                  u"NAME:VERSION"_s,
                  u"Delete an environment version (refused while a run or a model's lineage uses it)."_s,
                  {yesOption()},
                  1,
                  1,
                  deleteEnvironment});
    registry.add(
        {u"workspace"_s,
         u"gc"_s,
         {},
         u"Remove stored files nothing refers to (after deletions) and temporary leftovers; show what is freed."_s,
         {QCommandLineOption(u"dry-run"_s, u"Only list what would be removed."_s),
          QCommandLineOption(u"grace"_s, u"Keep unreferenced files younger than SECONDS (default 3600)."_s,
                             u"SECONDS"_s)},
         0,
         0,
         gc});
}

} // namespace mldesk::cli
