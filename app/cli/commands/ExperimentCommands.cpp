// experiment commands: create and list experiments in the workspace.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/workspace/Workspace.h"

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

QList<Output::Field> fields(const core::Experiment &e)
{
    return {
        {u"name"_s, u"NAME"_s, e.name},
        {u"runs"_s, u"RUNS"_s, e.runCount},
        {u"created"_s, u"CREATED (UTC)"_s, e.created.toString(Qt::ISODate)},
        {u"description"_s, u"DESCRIPTION"_s, e.description},
    };
}

int create(CliContext &context)
{
    core::ExperimentStore store(context.workspace().database());
    const core::Experiment e = store.create(context.arguments().at(0), context.value(u"description"_s));
    context.out().note(u"Created experiment '%1'"_s.arg(e.name));
    if (context.out().json())
        context.out().record(fields(e));
    return ExitOk;
}

int list(CliContext &context)
{
    core::ExperimentStore store(context.workspace().database());
    QList<QList<Output::Field>> rows;
    for (const core::Experiment &e : store.list())
        rows.append(fields(e));
    context.out().table(rows, fields(core::Experiment{}));
    return ExitOk;
}

} // namespace

void registerExperimentCommands(CommandRegistry &registry)
{
    registry.add({u"experiment"_s,
                  u"create"_s,
                  u"NAME"_s,
                  u"Create an experiment (a named group of runs)."_s,
                  {QCommandLineOption(u"description"_s, u"What the experiment is for."_s, u"TEXT"_s)},
                  1,
                  1,
                  create});
    registry.add({u"experiment"_s, u"list"_s, {}, u"List the experiments of the workspace."_s, {}, 0, 0, list});
}

} // namespace mldesk::cli
