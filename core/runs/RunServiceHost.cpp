// RunServiceHost: RunService on its own thread behind a thin facade; see the header.
#include "core/runs/RunServiceHost.h"

#include "core/runs/RunSubmitter.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QMutexLocker>

using namespace Qt::StringLiterals;

namespace mldesk::core {

RunServiceHost::RunServiceHost(Workspace &workspace, RunServiceOptions options, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_options(std::move(options)), m_store(workspace.database())
{
    qRegisterMetaType<RunRecord>();
    qRegisterMetaType<MetricPoint>();
    qRegisterMetaType<QList<MetricPoint>>();
    m_thread.setObjectName(u"mldesk-runs"_s);
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    QString error;
    const QString path = workspace.path();
    QMetaObject::invokeMethod(
        m_context,
        [this, path, &error] {
            try {
                m_serviceWorkspace = Workspace::open(path);
                m_service = new RunService(*m_serviceWorkspace, m_options);
            } catch (const std::exception &e) {
                error = QString::fromUtf8(e.what());
                return;
            }
            // Emitted on the service's thread, delivered queued on the host's.
            connect(m_service, &RunService::runSubmitted, this, &RunServiceHost::runSubmitted);
            connect(m_service, &RunService::runStateChanged, this, &RunServiceHost::runStateChanged);
            connect(m_service, &RunService::logAppended, this, &RunServiceHost::logAppended);
            connect(m_service, &RunService::metricsAppended, this, &RunServiceHost::metricsAppended);
            connect(m_service, &RunService::runNoteChanged, this, &RunServiceHost::runNoteChanged);
            connect(m_service, &RunService::warning, this, &RunServiceHost::warning);
            m_service->setWatchingObserver([this](const QString &uid, bool watching) {
                QMutexLocker locker(&m_lock);
                if (watching)
                    m_watching.insert(uid);
                else
                    m_watching.remove(uid);
            });
        },
        Qt::BlockingQueuedConnection);
    if (!m_service) {
        m_thread.quit();
        m_thread.wait();
        delete m_context;
        throw WorkspaceError(u"cannot open the workspace for the run service: "_s + error);
    }
}

RunServiceHost::~RunServiceHost()
{
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            delete m_service;
            m_service = nullptr;
            m_serviceWorkspace.reset();
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

template <typename F> void RunServiceHost::post(F &&work)
{
    QMetaObject::invokeMethod(
        m_context,
        [this, work = std::forward<F>(work)] {
            try {
                work(*m_service);
            } catch (const std::exception &e) {
                emit m_service->warning(u"runs: "_s + QString::fromUtf8(e.what()));
            }
        },
        Qt::QueuedConnection);
}

QStringList RunServiceHost::validate(const RunRequest &request) const
{
    return RunSubmitter(m_workspace).validate(request);
}

quint64 RunServiceHost::submit(const RunRequest &request)
{
    const quint64 ticket = ++m_tickets;
    post([this, request, ticket](RunService &service) {
        // Emitted on the service's thread: the caller's receivers get them queued (runSubmitted first).
        try {
            const RunRecord run = service.submit(request); // schedules it now if a slot is free
            emit submitFinished(ticket, run);
        } catch (const WorkspaceError &e) {
            emit submitFailed(ticket, e.message());
        } catch (const std::exception &e) {
            emit submitFailed(ticket, u"cannot submit the run: "_s + QString::fromUtf8(e.what()));
        }
    });
    return ticket;
}

void RunServiceHost::cancel(const QString &uid)
{
    post([uid](RunService &service) { service.cancel(uid); }); // refusals (unknown, ended) come back as warning()
}

void RunServiceHost::setPriority(const QString &uid, int priority)
{
    if (const QString problem = runPriorityProblem(priority); !problem.isEmpty())
        throw WorkspaceError(problem);
    // Whether the run may still change is decided on the service's thread, under the write (RunStore::setPriority):
    // no read of the store on the caller's (the GUI's) thread; a refusal comes back as warning().
    post([this, uid, priority](RunService &service) {
        emit runPriorityChanged(service.store().setPriority(uid, priority));
    });
}

void RunServiceHost::start()
{
    post([](RunService &service) { service.start(); });
}

bool RunServiceHost::isWatching(const QString &uid) const
{
    QMutexLocker locker(&m_lock);
    return m_watching.contains(uid);
}

} // namespace mldesk::core
