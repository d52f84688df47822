// Slurm value types: wait-status decoding, gres GPU counting, terminal states.
#include "core/slurm/SlurmTypes.h"

#include <QRegularExpression>

namespace mldesk::core {

QString SlurmError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("ok");
    case Kind::Unreachable:
        return QStringLiteral("unreachable");
    case Kind::Server:
        return QStringLiteral("server error");
    case Kind::Auth:
        return QStringLiteral("authentication");
    case Kind::NotFound:
        return QStringLiteral("not found");
    case Kind::Rejected:
        return QStringLiteral("rejected");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    }
    return {};
}

int SlurmNode::gpuCount() const
{
    // "gpu:4", "gpu:a100:4", "gpu:a100:2(S:0-1),gpu:v100:1" - the count is the last number of each gpu entry.
    static const QRegularExpression entry(QStringLiteral("(?:^|,)gpu(?::[^:,(]+)*:(\\d+)"));
    int total = 0;
    auto it = entry.globalMatch(gres);
    while (it.hasNext())
        total += it.next().captured(1).toInt();
    return total;
}

// The raw wait status, as waitpid() gives it: low 7 bits the signal, bits 8-15 the exit code.
std::optional<int> SlurmJob::exitCode() const
{
    if ((rawExitCode & 0x7f) != 0)
        return std::nullopt;
    return (rawExitCode >> 8) & 0xff;
}

std::optional<int> SlurmJob::exitSignal() const
{
    const int signal = rawExitCode & 0x7f;
    if (signal == 0 || signal == 0x7f)
        return std::nullopt;
    return signal;
}

bool SlurmJob::isFinished() const
{
    static const QStringList terminal = {QStringLiteral("COMPLETED"),     QStringLiteral("FAILED"),
                                         QStringLiteral("CANCELLED"),     QStringLiteral("TIMEOUT"),
                                         QStringLiteral("OUT_OF_MEMORY"), QStringLiteral("NODE_FAIL"),
                                         QStringLiteral("BOOT_FAIL"),     QStringLiteral("DEADLINE"),
                                         QStringLiteral("PREEMPTED"),     QStringLiteral("SPECIAL_EXIT")};
    return terminal.contains(state);
}

} // namespace mldesk::core
