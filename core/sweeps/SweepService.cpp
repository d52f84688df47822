// SweepService: the controller's thread; see the header.
#include "core/sweeps/SweepService.h"

#include "core/runs/RunEvents.h"
#include "core/workspace/Workspace.h"

#include <QElapsedTimer>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Owns the workspace and controller of the thread it runs on; built and destroyed there.
class Worker final : public QObject {
public:
    Worker(SweepService *owner, QString path, SweepService::Options options)
        : m_owner(owner), m_path(std::move(path)), m_options(std::move(options))
    {
    }
    ~Worker() override
    {
        if (m_controller)
            m_controller->releaseLeases();
    }

    void begin()
    {
        try {
            m_workspace = Workspace::open(m_path);
            m_controller = std::make_unique<SweepController>(*m_workspace, m_options.controller);
        } catch (const std::exception &e) {
            emit m_owner->warning(u"sweeps: "_s + QString::fromUtf8(e.what()));
            return;
        }
        m_timer->setInterval(m_options.pollIntervalMs);
        QObject::connect(m_timer, &QTimer::timeout, this, [this] { pass(); });
        m_timer->start();
        // A run submitted or ended in any process: decide now, not at the next tick.
        m_events = std::make_unique<RunEvents>(m_path);
        QObject::connect(m_events.get(), &RunEvents::changed, this, [this] { wake(); });
        pass();
    }

    void wake()
    {
        if (!m_controller || m_passQueued)
            return;
        m_passQueued = true;
        QTimer::singleShot(0, this, [this] {
            m_passQueued = false;
            pass();
        });
    }

private:
    void pass()
    {
        QElapsedTimer clock;
        clock.start();
        int active = 0;
        try {
            active = m_controller->step();
        } catch (const std::exception &e) {
            emit m_owner->warning(u"sweeps: "_s + QString::fromUtf8(e.what()));
        }
        const qint64 submit = m_controller->lastSubmitMicros();
        emit m_owner->stepped(active, clock.nsecsElapsed() / 1000 - submit, submit);
        if (submit > 0)
            emit m_owner->trialsSubmitted();
    }

    SweepService *m_owner;
    QString m_path;
    SweepService::Options m_options;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<SweepController> m_controller;
    std::unique_ptr<RunEvents> m_events;
    bool m_passQueued = false;
    QTimer *m_timer = new QTimer(this); // a child: it moves to the thread with the worker
};

} // namespace

SweepService::SweepService(QString workspacePath, Options options, QObject *parent)
    : QObject(parent), m_path(std::move(workspacePath)), m_options(std::move(options))
{
    m_thread.setObjectName(u"mldesk-sweeps"_s);
}

SweepService::~SweepService()
{
    if (m_worker) {
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker] { delete w; }, Qt::BlockingQueuedConnection);
        m_worker = nullptr;
    }
    m_thread.quit();
    m_thread.wait();
}

void SweepService::wake()
{
    if (auto *worker = static_cast<Worker *>(m_worker))
        QMetaObject::invokeMethod(
            worker, [worker] { worker->wake(); }, Qt::QueuedConnection);
}

void SweepService::start()
{
    if (m_worker)
        return;
    auto *worker = new Worker(this, m_path, m_options);
    worker->moveToThread(&m_thread);
    m_worker = worker;
    m_thread.start();
    QMetaObject::invokeMethod(
        worker, [worker] { worker->begin(); }, Qt::QueuedConnection);
}

} // namespace mldesk::core
