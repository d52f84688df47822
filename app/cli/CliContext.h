// CliContext: what a command gets - its positional arguments and options, the output form, and the workspace
// resolved on first use (--workspace, else MLDESK_WORKSPACE, else discovery from the current folder).
#pragma once

#include "app/cli/Output.h"

#include <QCommandLineParser>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>

namespace mldesk::core {
class Workspace;
}

namespace mldesk::cli {

class CliContext final {
public:
    CliContext(const QCommandLineParser &parser, QStringList arguments, QString workspaceOption, bool json);
    ~CliContext();

    const QStringList &arguments() const { return m_arguments; }
    bool isSet(const QString &option) const { return m_parser.isSet(option); }
    QString value(const QString &option) const { return m_parser.value(option); }
    // Every value of a repeatable option (--tag a=1 --tag b=2), in the order given.
    QStringList values(const QString &option) const { return m_parser.values(option); }
    // A repeatable KEY=VALUE option as a map; throws UsageError naming the option for an entry without '='.
    QMap<QString, QString> keyValues(const QString &option) const;
    const Output &out() const { return m_output; }

    // Opens the workspace the user pointed at; throws core::WorkspaceError / UsageError with what to do.
    core::Workspace &workspace();
    // Where the workspace would be looked for, and how it was chosen (for messages); empty when none.
    QString workspaceFolder(QString *source = nullptr) const;

private:
    const QCommandLineParser &m_parser;
    QStringList m_arguments;
    QString m_workspaceOption;
    Output m_output;
    std::unique_ptr<core::Workspace> m_workspace;
};

} // namespace mldesk::cli
