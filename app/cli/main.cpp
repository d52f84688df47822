// mldesk-cli: the headless face of MLDesk. Parses global options, finds the command in the registry and runs it;
// exit codes: 0 ok, 1 user error (one line on stderr), 2 internal error.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "app/cli/Output.h"
#include "core/workspace/WorkspaceError.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <exception>

using namespace Qt::StringLiterals;
using namespace mldesk::cli;

namespace {

const QCommandLineOption kHelp({u"h"_s, u"help"_s}, u"Show help (for a command: mldesk-cli GROUP VERB --help)."_s);
const QCommandLineOption kVersion(u"version"_s, u"Print the version and exit."_s);
const QCommandLineOption kWorkspace(u"workspace"_s,
                                    u"Workspace folder (else $MLDESK_WORKSPACE, else the folder holding config.json "
                                    u"in the current folder or a parent)."_s,
                                    u"PATH"_s);
const QCommandLineOption kJson(u"json"_s, u"Print results as JSON (for scripts)."_s);

void addGlobalOptions(QCommandLineParser &parser)
{
    parser.addOption(kHelp);
    parser.addOption(kVersion);
    parser.addOption(kWorkspace);
    parser.addOption(kJson);
}

QString optionsHelp(const QList<QCommandLineOption> &options)
{
    QString text;
    for (const QCommandLineOption &o : options) {
        QStringList names;
        for (const QString &n : o.names())
            names.append((n.size() == 1 ? u"-"_s : u"--"_s) + n);
        QString left = names.join(u", "_s);
        if (!o.valueName().isEmpty())
            left += u' ' + o.valueName();
        text += u"  "_s + left.leftJustified(24) + u' ' + o.description() + u'\n';
    }
    return text;
}

QString commandLine(const Command &c)
{
    QString line = c.group + u' ' + c.verb;
    if (!c.usage.isEmpty())
        line += u' ' + c.usage;
    return line;
}

QString generalHelp(const CommandRegistry &registry)
{
    QString text = u"Usage: mldesk-cli [--workspace PATH] [--json] GROUP VERB [ARGUMENTS]\n\n"
                   u"MLDesk from the command line: workspaces, experiments, datasets, "
                   u"environments, compute targets, runs and models.\n\nGlobal options:\n"_s +
                   optionsHelp({kHelp, kVersion, kWorkspace, kJson}) + u"\nCommands:\n"_s;
    for (const QString &group : registry.groups())
        for (const Command *c : registry.commandsOf(group))
            text += u"  "_s + commandLine(*c).leftJustified(36) + u' ' + c->summary + u'\n';
    text += u"\nExit codes: 0 ok, 1 user error (message on stderr), 2 internal error.\n"_s;
    return text;
}

QString commandHelp(const Command &c)
{
    QString text = u"Usage: mldesk-cli [--workspace PATH] [--json] "_s + commandLine(c) + u"\n\n"_s + c.summary + u'\n';
    if (!c.options.isEmpty())
        text += u"\nOptions:\n"_s + optionsHelp(c.options);
    return text;
}

QString groupHelp(const CommandRegistry &registry, const QString &group)
{
    QString text = u"Commands of '%1':\n"_s.arg(group);
    for (const Command *c : registry.commandsOf(group))
        text += u"  "_s + commandLine(*c).leftJustified(36) + u' ' + c->summary + u'\n';
    return text;
}

int dispatch(const QStringList &arguments)
{
    CommandRegistry registry;
    registerWorkspaceCommands(registry);
    registerExperimentCommands(registry);
    registerDatasetCommands(registry);
    registerEnvironmentCommands(registry);
    registerComputeCommands(registry);
    registerModelCommands(registry);
    registerRunCommands(registry);
    registerSlurmCommands(registry);
    registerEndpointCommands(registry);
    registerSweepCommands(registry);
    registerDeleteCommands(registry);

    // First pass with the global options only, to find GROUP VERB; unknown (command) options are fine here.
    QCommandLineParser first;
    addGlobalOptions(first);
    first.parse(arguments);
    const QStringList words = first.positionalArguments();

    if (first.isSet(kVersion)) {
        Output::text(u"mldesk-cli "_s + QCoreApplication::applicationVersion() + u'\n');
        return ExitOk;
    }
    const bool help = first.isSet(kHelp);
    if (words.isEmpty()) {
        Output::text(generalHelp(registry));
        if (help)
            return ExitOk;
        throw UsageError(u"no command given; see the list above (mldesk-cli --help)"_s);
    }
    if (!registry.hasGroup(words[0]))
        throw UsageError(u"unknown command group '%1'; groups are: %2 (see mldesk-cli --help)"_s.arg(
            words[0], registry.groups().join(u", "_s)));
    const Command *command = words.size() > 1 ? registry.find(words[0], words[1]) : nullptr;
    if (!command) {
        if (help && words.size() == 1) {
            Output::text(groupHelp(registry, words[0]));
            return ExitOk;
        }
        QStringList verbs;
        for (const Command *c : registry.commandsOf(words[0]))
            verbs.append(c->verb);
        if (words.size() == 1)
            throw UsageError(u"'%1' needs a command: %2"_s.arg(words[0], verbs.join(u", "_s)));
        throw UsageError(
            u"unknown command '%1 %2'; '%1' commands are: %3"_s.arg(words[0], words[1], verbs.join(u", "_s)));
    }
    if (help) {
        Output::text(commandHelp(*command));
        return ExitOk;
    }

    QCommandLineParser parser;
    addGlobalOptions(parser);
    for (const QCommandLineOption &o : command->options)
        parser.addOption(o);
    if (!parser.parse(arguments))
        throw UsageError(parser.errorText() + u" (see mldesk-cli "_s + command->group + u' ' + command->verb +
                         u" --help)"_s);
    const QStringList rest = parser.positionalArguments().mid(2);
    if (rest.size() < command->minArguments || rest.size() > command->maxArguments)
        throw UsageError(u"wrong number of arguments; usage: mldesk-cli "_s + commandLine(*command));
    CliContext context(parser, rest, parser.value(kWorkspace), parser.isSet(kJson));
    return command->run(context);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(u"MLDesk"_s);
    QCoreApplication::setApplicationName(u"mldesk-cli"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(MLDESK_VERSION));
    try {
        return dispatch(QCoreApplication::arguments());
    } catch (const UsageError &e) {
        Output::error(e.message());
        return ExitUserError;
    } catch (const mldesk::core::WorkspaceError &e) {
        Output::error(e.message());
        return ExitUserError;
    } catch (const std::exception &e) {
        Output::error(u"internal error: "_s + QString::fromUtf8(e.what()) +
                      u" (please report this with the command you ran)"_s);
        return ExitInternalError;
    }
}
