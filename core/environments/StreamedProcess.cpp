// StreamedProcess: a tool run to its end with its lines streamed; see the header.
#include "core/environments/StreamedProcess.h"

#include <QElapsedTimer>
#include <QProcess>

using namespace Qt::StringLiterals;

namespace mldesk::core {

StreamedProcess::Result StreamedProcess::run(const QString &program, const QStringList &arguments,
                                             const std::function<void(const QString &)> &log,
                                             const std::atomic_bool *cancel, int timeoutMs, QString *output)
{
    Result result;
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setStandardInputFile(QProcess::nullDevice());
    process.start(program, arguments);
    if (!process.waitForStarted(30000)) {
        result.error = u"cannot start %1: %2"_s.arg(program, process.errorString());
        return result;
    }
    QElapsedTimer timer;
    timer.start();
    QByteArray pending;
    auto drain = [&](bool all) {
        const QByteArray chunk = process.readAll();
        if (output)
            *output += QString::fromUtf8(chunk);
        pending += chunk;
        qsizetype newline;
        while ((newline = pending.indexOf('\n')) >= 0 || (all && !pending.isEmpty())) {
            const qsizetype end = newline >= 0 ? newline : pending.size();
            if (log)
                log(QString::fromUtf8(pending.left(end)).trimmed());
            pending.remove(0, end + 1);
        }
    };
    while (!process.waitForFinished(200)) {
        drain(false);
        const bool canceled = cancel && *cancel;
        if (canceled || timer.elapsed() > timeoutMs) {
            process.kill();
            process.waitForFinished(5000);
            result.end = canceled ? End::Canceled : End::TimedOut;
            return result;
        }
    }
    drain(true);
    result.end = process.exitStatus() == QProcess::NormalExit ? End::Exited : End::Crashed;
    result.exitCode = process.exitCode();
    return result;
}

} // namespace mldesk::core
