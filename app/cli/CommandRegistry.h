// CommandRegistry: the command groups of mldesk-cli (workspace, experiment; later dataset, environment, compute,
// run, model). Each group registers its verbs from its own file in commands/; main() parses and dispatches.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QString>

#include <functional>

namespace mldesk::cli {

class CliContext;

struct Command {
    QString group;   // "workspace"
    QString verb;    // "create"
    QString usage;   // positional arguments after the verb, e.g. "PATH"
    QString summary; // one line for help
    QList<QCommandLineOption> options;
    int minArguments = 0;
    int maxArguments = 0;
    std::function<int(CliContext &)> run; // returns the exit code
};

class CommandRegistry final {
public:
    void add(Command command);
    const Command *find(const QString &group, const QString &verb) const;
    bool hasGroup(const QString &group) const;
    QStringList groups() const; // in registration order
    QList<const Command *> commandsOf(const QString &group) const;

private:
    QList<Command> m_commands;
};

// One function per file in commands/.
void registerWorkspaceCommands(CommandRegistry &registry);
void registerExperimentCommands(CommandRegistry &registry);
void registerDatasetCommands(CommandRegistry &registry);
void registerEnvironmentCommands(CommandRegistry &registry);
void registerComputeCommands(CommandRegistry &registry);
void registerModelCommands(CommandRegistry &registry);
void registerRunCommands(CommandRegistry &registry);
void registerSlurmCommands(CommandRegistry &registry); // compute status (Slurm targets)
void registerEndpointCommands(CommandRegistry &registry);
void registerSweepCommands(CommandRegistry &registry);
void registerDeleteCommands(CommandRegistry &registry); // run/dataset/model/environment delete, workspace gc

} // namespace mldesk::cli
