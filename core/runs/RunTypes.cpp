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

namespace {

QString priorityOutOfRange(const QString &value)
{
    return u"priority %1 is out of range; use a whole number from %2 to %3, or low (%4), normal (%5) or high (%6)"_s
        .arg(value)
        .arg(kRunPriorityMin)
        .arg(kRunPriorityMax)
        .arg(kRunPriorityLow)
        .arg(kRunPriorityNormal)
        .arg(kRunPriorityHigh);
}

} // namespace

QString runPriorityProblem(int priority)
{
    return priority >= kRunPriorityMin && priority <= kRunPriorityMax ? QString()
                                                                      : priorityOutOfRange(QString::number(priority));
}

std::optional<int> runPriorityFromText(const QString &text, QString *error)
{
    const QString t = text.trimmed().toLower();
    if (t == u"low"_s)
        return kRunPriorityLow;
    if (t == u"normal"_s || t == u"medium"_s) // medium: Azure ML's queue_settings spelling
        return kRunPriorityNormal;
    if (t == u"high"_s)
        return kRunPriorityHigh;
    bool ok = false;
    const qlonglong value = t.toLongLong(&ok);
    QString problem;
    if (!ok)
        problem = u"priority '%1' is not a whole number; use low (%2), normal (%3), high (%4) or a number from %5 to "
                  u"%6 (higher runs first)"_s.arg(text)
                      .arg(kRunPriorityLow)
                      .arg(kRunPriorityNormal)
                      .arg(kRunPriorityHigh)
                      .arg(kRunPriorityMin)
                      .arg(kRunPriorityMax);
    else if (value < kRunPriorityMin || value > kRunPriorityMax)
        problem = priorityOutOfRange(t);
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return std::nullopt;
    }
    return int(value);
}

QString runPriorityText(int priority)
{
    switch (priority) {
    case kRunPriorityLow:
        return u"%1 (low)"_s.arg(priority);
    case kRunPriorityNormal:
        return u"%1 (normal)"_s.arg(priority);
    case kRunPriorityHigh:
        return u"%1 (high)"_s.arg(priority);
    default:
        return QString::number(priority);
    }
}

QString runDeviceName(RunRequest::Device device)
{
    switch (device) {
    case RunRequest::Device::Gpu:
        return u"gpu"_s;
    case RunRequest::Device::Cpu:
        return u"cpu"_s;
    case RunRequest::Device::Any:
        break;
    }
    return u"any"_s;
}

std::optional<RunRequest::Device> runDeviceFromName(const QString &name)
{
    for (const RunRequest::Device device : {RunRequest::Device::Any, RunRequest::Device::Gpu, RunRequest::Device::Cpu})
        if (name.compare(runDeviceName(device), Qt::CaseInsensitive) == 0)
            return device;
    return std::nullopt;
}

qint64 RunRecord::durationMs() const
{
    if (!started.isValid())
        return 0;
    return started.msecsTo(ended.isValid() ? ended : QDateTime::currentDateTimeUtc());
}

} // namespace mldesk::core
