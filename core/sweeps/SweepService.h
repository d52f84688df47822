// SweepService: hosts a SweepController on its own thread with its own workspace connection and timer (the GUI
// thread never waits for a sweep decision). A pass runs at once when a run ends or is submitted - wake() from the
// engine in this process, the workspace's RunEvents beacon from any process - so a sweep's next trial is
// submitted right after one ends; the timer is the safety net. The owner hears of passes only through queued
// signals; everything a view shows comes from the store.
#pragma once

#include "core/sweeps/SweepController.h"

#include <QObject>
#include <QThread>

#include <memory>

namespace mldesk::core {

class SweepService final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepService)

public:
    struct Options {
        int pollIntervalMs = 250;
        SweepControllerOptions controller;
    };
    // workspacePath: opened again on the controller's thread.
    explicit SweepService(QString workspacePath, Options options, QObject *parent = nullptr);
    ~SweepService() override; // stops the thread after its current pass; releases its leases

    void start();
    // A pass now (on the controller's thread, coalesced): a child may have ended. Call on the owner's thread.
    void wake();

signals:
    // A pass submitted new trials: the run service of this process may schedule them now (RunService::wake).
    void trialsSubmitted();
    // After each pass: the sweeps still active, how long its decisions took and how long submitting children
    // (their snapshots) took, in microseconds.
    void stepped(int activeSweeps, qint64 decisionMicros, qint64 submitMicros);
    void warning(const QString &message);

private:
    QString m_path;
    Options m_options;
    QThread m_thread;
    QObject *m_worker = nullptr; // lives on m_thread
};

} // namespace mldesk::core
