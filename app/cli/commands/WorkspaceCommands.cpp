// workspace commands: create a workspace, show the current one.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/workspace/Workspace.h"

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

void printWorkspace(const CliContext &context, core::Workspace &ws)
{
    const core::Workspace::Counts c = ws.counts();
    context.out().record({
        {u"name"_s, u"Name"_s, ws.name()},
        {u"path"_s, u"Path"_s, ws.path()},
        {u"schema_version"_s, u"Schema version"_s, ws.schemaVersion()},
        {u"experiments"_s, u"Experiments"_s, c.experiments},
        {u"runs"_s, u"Runs"_s, c.runs},
        {u"datasets"_s, u"Datasets"_s, c.datasets},
        {u"environments"_s, u"Environments"_s, c.environments},
        {u"compute_targets"_s, u"Compute targets"_s, c.computeTargets},
        {u"models"_s, u"Models"_s, c.models},
    });
}

int create(CliContext &context)
{
    const QString name = context.value(u"name"_s);
    if (name.trimmed().isEmpty())
        throw UsageError(u"workspace create needs --name NAME"_s);
    auto ws = core::Workspace::create(context.arguments().at(0), name);
    context.out().note(u"Created workspace '%1' in %2"_s.arg(ws->name(), ws->path()));
    printWorkspace(context, *ws);
    return ExitOk;
}

int show(CliContext &context)
{
    printWorkspace(context, context.workspace());
    return ExitOk;
}

} // namespace

void registerWorkspaceCommands(CommandRegistry &registry)
{
    registry.add({u"workspace"_s,
                  u"create"_s,
                  u"PATH --name NAME"_s,
                  u"Create a workspace in folder PATH (created if missing)."_s,
                  {QCommandLineOption(u"name"_s, u"Workspace name."_s, u"NAME"_s)},
                  1,
                  1,
                  create});
    registry.add({u"workspace"_s,
                  u"show"_s,
                  {},
                  u"Name, path, schema version and entity counts of the workspace."_s,
                  {},
                  0,
                  0,
                  show});
}

} // namespace mldesk::cli
