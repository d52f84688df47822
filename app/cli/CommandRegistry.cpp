// CommandRegistry: lookup of registered mldesk-cli commands.
#include "app/cli/CommandRegistry.h"

namespace mldesk::cli {

void CommandRegistry::add(Command command)
{
    m_commands.append(std::move(command));
}

const Command *CommandRegistry::find(const QString &group, const QString &verb) const
{
    for (const Command &c : m_commands) {
        if (c.group == group && c.verb == verb)
            return &c;
    }
    return nullptr;
}

bool CommandRegistry::hasGroup(const QString &group) const
{
    for (const Command &c : m_commands) {
        if (c.group == group)
            return true;
    }
    return false;
}

QStringList CommandRegistry::groups() const
{
    QStringList result;
    for (const Command &c : m_commands) {
        if (!result.contains(c.group))
            result.append(c.group);
    }
    return result;
}

QList<const Command *> CommandRegistry::commandsOf(const QString &group) const
{
    QList<const Command *> result;
    for (const Command &c : m_commands) {
        if (c.group == group)
            result.append(&c);
    }
    return result;
}

} // namespace mldesk::cli
