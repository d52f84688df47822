// CudaProbe: what the About box says about CUDA - the toolkit the trainer was built with (from the build) and what
// `mldesk-train --list-devices` finds on this machine, asked in the background (a QProcess, never blocking the
// window). Without a trainer, or with one built without CUDA, CUDA is "not available" and the reason is given.
#pragma once

#include <QObject>
#include <QProcess>
#include <QTimer>

namespace mldesk::ui {

class CudaProbe final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CudaProbe)

public:
    explicit CudaProbe(QObject *parent = nullptr);
    ~CudaProbe() override;

    // Runs `trainer --list-devices` (empty: the trainer LocalProcess finds, $MLDESK_TRAIN first).
    void start(const QString &trainer = {});
    bool isFinished() const { return m_finished; }
    QString text() const { return m_text; }

    // The sentence for the About box from --list-devices' JSON; toolkitVersion: the CUDA toolkit of the build
    // (empty when unknown).
    static QString describe(const QByteArray &listDevicesJson, const QString &toolkitVersion);
    // The CUDA toolkit this build compiled the trainer with ("13.0.88"); empty for a CPU-only build.
    static QString toolkitVersion();

signals:
    void finished(const QString &text);

private:
    void done(const QString &text);

    QProcess m_process;
    QString m_text;
    bool m_finished = false;
};

} // namespace mldesk::ui
