// CudaProbe: the background --list-devices call and its description.
#include "ui/widgets/CudaProbe.h"

#include "core/runs/LocalProcess.h"
#include "ui/models/TableModel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace mldesk::ui {

namespace {
constexpr int kTimeoutMs = 15000; // a driver initialising can take seconds; more means something hangs
}

CudaProbe::CudaProbe(QObject *parent) : QObject(parent)
{
    m_text = tr("CUDA: checking\u2026");
    connect(&m_process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
        if (status != QProcess::NormalExit || exitCode != 0) {
            done(tr("CUDA: not available (mldesk-train --list-devices failed: %1)")
                     .arg(QString::fromLocal8Bit(m_process.readAllStandardError()).trimmed().left(200)));
            return;
        }
        done(describe(m_process.readAllStandardOutput(), toolkitVersion()));
    });
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            done(tr("CUDA: not available (mldesk-train could not be started: %1)").arg(m_process.errorString()));
    });
}

CudaProbe::~CudaProbe()
{
    if (m_process.state() != QProcess::NotRunning) {
        // No finished() now: its receivers (the About box being closed) may be half destroyed (issue 17).
        m_process.disconnect(this);
        m_process.kill();
        m_process.waitForFinished(1000);
    }
}

QString CudaProbe::toolkitVersion()
{
#ifdef MLDESK_CUDA_TOOLKIT_VERSION
    return QStringLiteral(MLDESK_CUDA_TOOLKIT_VERSION);
#else
    return {};
#endif
}

void CudaProbe::start(const QString &trainer)
{
    const QString program = trainer.isEmpty() ? core::LocalProcess::findTrainer() : trainer;
    if (program.isEmpty()) {
        done(tr("CUDA: not available (mldesk-train not found; set MLDESK_TRAIN or install MLDesk's trainer)"));
        return;
    }
    m_process.start(program, {QStringLiteral("--list-devices")});
    QObject *self = this;
    QTimer::singleShot(kTimeoutMs, self, [this] {
        if (!m_finished && m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            done(tr("CUDA: not available (mldesk-train --list-devices did not answer in %1 s)").arg(kTimeoutMs / 1000));
        }
    });
}

void CudaProbe::done(const QString &text)
{
    if (m_finished)
        return;
    m_finished = true;
    m_text = text;
    emit finished(text);
}

QString CudaProbe::describe(const QByteArray &json, const QString &toolkit)
{
    QJsonParseError error;
    const QJsonObject root = QJsonDocument::fromJson(json, &error).object();
    if (error.error != QJsonParseError::NoError || !root.contains(u"cuda_compiled"))
        return tr("CUDA: not available (mldesk-train --list-devices printed no device list)");
    if (!root.value(u"cuda_compiled").toBool())
        return tr("CUDA: not available (this mldesk-train was built without CUDA; it trains on the CPU)");
    QStringList devices;
    for (const QJsonValue &v : root.value(u"devices").toArray()) {
        const QJsonObject d = v.toObject();
        devices.append(QStringLiteral("%1 (%2)").arg(
            d.value(u"name").toString(), TableModel::formatBytes(qint64(d.value(u"memory_bytes").toDouble()))));
    }
    const QString version = toolkit.isEmpty() ? tr("CUDA (version unknown)") : tr("CUDA %1").arg(toolkit);
    if (devices.isEmpty())
        return tr("%1: built in, but no CUDA device is visible here (runs use the CPU)").arg(version);
    return tr("%1 \u2014 %n GPU(s): %2", nullptr, int(devices.size())).arg(version, devices.join(QStringLiteral(", ")));
}

} // namespace mldesk::ui
