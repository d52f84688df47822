// Run states: names and classification.
#include "core/runs/RunTypes.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

QStringList runStateNames()
{
    return {u"Queued"_s,     u"Preparing"_s, u"Starting"_s, u"Running"_s,
            u"Finalizing"_s, u"Completed"_s, u"Failed"_s,   u"Canceled"_s};
}

QString runStateName(RunState state)
{
    return runStateNames().at(int(state));
}

std::optional<RunState> runStateFromName(const QString &name)
{
    const QStringList names = runStateNames();
    for (int i = 0; i < names.size(); ++i)
        if (names[i].compare(name, Qt::CaseInsensitive) == 0)
            return RunState(i);
    return std::nullopt;
}

bool isTerminal(RunState state)
{
    return state == RunState::Completed || state == RunState::Failed || state == RunState::Canceled;
}

qint64 RunRecord::durationMs() const
{
    if (!started.isValid())
        return 0;
    return started.msecsTo(ended.isValid() ? ended : QDateTime::currentDateTimeUtc());
}

} // namespace mldesk::core
