// CliContext: workspace resolution for mldesk-cli commands.
#include "app/cli/CliContext.h"

#include "app/cli/CliError.h"
#include "core/workspace/Workspace.h"

#include <QDir>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

CliContext::CliContext(const QCommandLineParser &parser, QStringList arguments, QString workspaceOption, bool json)
    : m_parser(parser), m_arguments(std::move(arguments)), m_workspaceOption(std::move(workspaceOption)), m_output(json)
{
}

CliContext::~CliContext() = default;

QString CliContext::workspaceFolder(QString *source) const
{
    if (!m_workspaceOption.isEmpty()) {
        if (source)
            *source = u"--workspace"_s;
        return m_workspaceOption;
    }
    const QString env = qEnvironmentVariable("MLDESK_WORKSPACE");
    if (!env.isEmpty()) {
        if (source)
            *source = u"MLDESK_WORKSPACE"_s;
        return env;
    }
    if (source)
        *source = u"the current folder"_s;
    return core::Workspace::discover(QDir::currentPath());
}

core::Workspace &CliContext::workspace()
{
    if (!m_workspace) {
        const QString folder = workspaceFolder();
        if (folder.isEmpty())
            throw UsageError(u"no workspace here: pass --workspace PATH, set MLDESK_WORKSPACE, or run inside a "
                             u"workspace folder; create one with `mldesk-cli workspace create PATH --name NAME`"_s);
        m_workspace = core::Workspace::open(folder);
    }
    return *m_workspace;
}

QMap<QString, QString> CliContext::keyValues(const QString &option) const
{
    QMap<QString, QString> out;
    for (const QString &kv : values(option)) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0)
            throw UsageError(u"--%1 takes KEY=VALUE, not '%2'"_s.arg(option, kv));
        out.insert(kv.left(eq).trimmed(), kv.mid(eq + 1));
    }
    return out;
}

} // namespace mldesk::cli
