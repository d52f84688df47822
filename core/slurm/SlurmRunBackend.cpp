// SlurmRunBackend: staging, submission and following of runs on Slurm targets.
#include "core/slurm/SlurmRunBackend.h"

#include "core/slurm/SlurmRunJob.h"
#include "core/slurm/SlurmTargetConnection.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace mldesk::core {

SlurmRunBackend::SlurmRunBackend(std::shared_ptr<HttpClient> http, QString workspacePath,
                                 SlurmJobMonitor::Options options, QObject *parent)
    : QObject(parent), m_http(std::move(http)), m_workspacePath(std::move(workspacePath)), m_options(options)
{
    qRegisterMetaType<SlurmRunOutcome>();
}

SlurmRunBackend::~SlurmRunBackend() = default;

QString SlurmRunBackend::runDirFor(const SlurmTargetConfig &target, const QString &uid)
{
    return QDir::cleanPath(target.sharedDirLocal + QStringLiteral("/runs/") + uid);
}

QString SlurmRunBackend::stage(const SlurmTargetConfig &target, const QString &localProgram, QString *error)
{
    QFile in(localProgram);
    if (!in.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1 to copy it where the cluster's nodes see it: %2")
                     .arg(localProgram, in.errorString());
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&in)) {
        *error = QStringLiteral("cannot read %1: %2").arg(localProgram, in.errorString());
        return {};
    }
    // Content-addressed: runs of different MLDesk builds never swap programs under each other.
    const QString name =
        QFileInfo(localProgram).fileName() + QLatin1Char('-') + QString::fromLatin1(hash.result().toHex().left(16));
    const QString binDir = target.sharedDirLocal + QStringLiteral("/.mldesk/bin");
    const QString dest = binDir + QLatin1Char('/') + name;
    if (!QFileInfo::exists(dest)) {
        const QString temp = dest + QStringLiteral(".part-%1").arg(QCoreApplication::applicationPid());
        if (!QDir().mkpath(binDir) || (QFile::exists(temp) && !QFile::remove(temp)) ||
            !QFile::copy(localProgram, temp) ||
            !QFile::setPermissions(temp, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                             QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                             QFileDevice::ExeOther) ||
            (!QFile::rename(temp, dest) && !QFileInfo::exists(dest))) {
            QFile::remove(temp);
            *error = QStringLiteral("cannot copy %1 into the shared folder %2; check that it is writable")
                         .arg(localProgram, binDir);
            return {};
        }
    }
    return SlurmRunJob::clusterPath(target, dest, error);
}

SlurmJobMonitor *SlurmRunBackend::monitorFor(const ComputeTarget &target)
{
    m_targets.insert(target.name, target.slurm);
    if (SlurmJobMonitor *m = m_monitors.value(target.name))
        return m;
    const QString name = target.name;
    std::function<SlurmClient::Connection()> connection;
    if (target.slurm.tokenInKeychain) {
        auto token = std::make_shared<QString>();
        m_keychainTokens.insert(name, token);
        SlurmTargetConnection::resolve(target.slurm, m_workspacePath, name, this,
                                       [this, name, token](const SlurmClient::Connection &c, const QString &error) {
                                           *token = c.token;
                                           if (!error.isEmpty()) {
                                               m_problems.insert(name, error);
                                               emit targetProblem(name, error);
                                           }
                                       });
        connection = [this, name, token] {
            return SlurmTargetConnection::make(m_targets.value(name), *token);
        };
    } else {
        // Read at every poll: a renewed variable (GUI settings, tests) is picked up.
        connection = [this, name] {
            return SlurmTargetConnection::fromEnvironment(m_targets.value(name));
        };
    }
    auto *monitor = new SlurmJobMonitor(m_http, connection, m_options, this);
    connect(monitor, &SlurmJobMonitor::jobUpdated, this, &SlurmRunBackend::onJob);
    connect(monitor, &SlurmJobMonitor::jobVanished, this, &SlurmRunBackend::onVanished);
    connect(monitor, &SlurmJobMonitor::connectionProblem, this,
            [this, name](const QString &message, const SlurmError &, int) {
                m_problems.insert(name, message);
                emit targetProblem(name, message);
            });
    connect(monitor, &SlurmJobMonitor::connectionRestored, this, [this, name] {
        m_problems.remove(name);
        emit targetRestored(name);
    });
    connect(monitor, &SlurmJobMonitor::cancelFailed, this, [this, name](qint64 jobId, const QString &message) {
        emit targetProblem(name, QStringLiteral("could not cancel Slurm job %1: %2").arg(jobId).arg(message));
    });
    m_monitors.insert(name, monitor);
    return monitor;
}

void SlurmRunBackend::start(const ComputeTarget &target, const SlurmRunLaunch &launch,
                            std::function<void(qint64, const QString &)> done)
{
    QString error;
    const QString supervisor = stage(target.slurm, launch.supervisor, &error);
    QString program = launch.program;
    if (error.isEmpty() && launch.stageProgram)
        program = stage(target.slurm, launch.program, &error);
    SlurmJobSpec spec;
    if (error.isEmpty()) {
        SlurmRunJobInput in;
        in.runUid = launch.uid;
        in.experiment = launch.experiment;
        in.runDir = launch.runDir;
        in.supervisor = supervisor;
        in.program = program;
        in.arguments = launch.arguments;
        in.environment = launch.environment;
        spec = SlurmRunJob::build(target.slurm, in, &error);
    }
    if (!error.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [done, error] { done(0, error); }, Qt::QueuedConnection);
        return;
    }
    m_runs.insert(launch.uid, {target.name, launch.runDir, 0, false});
    const QString uid = launch.uid;
    monitorFor(target)->submit(spec, [this, uid, done](qint64 jobId, const SlurmError &e) {
        if (!e.ok()) {
            m_runs.remove(uid);
            done(0, e.message);
            return;
        }
        if (auto it = m_runs.find(uid); it != m_runs.end()) {
            it->jobId = jobId;
            if (it->cancelRequested) // canceled while the submit was on its way
                if (SlurmJobMonitor *monitor = m_monitors.value(it->target))
                    monitor->cancel(jobId);
        }
        done(jobId, {});
    });
}

void SlurmRunBackend::attach(const ComputeTarget &target, const QString &uid, const QString &runDir, qint64 jobId,
                             bool cancelRequested)
{
    m_runs.insert(uid, {target.name, runDir, jobId, cancelRequested});
    monitorFor(target)->track(jobId, uid);
}

void SlurmRunBackend::recover(const ComputeTarget &target, const QString &uid, const QString &runDir,
                              bool cancelRequested, std::function<void(qint64, const QString &)> done)
{
    m_runs.insert(uid, {target.name, runDir, 0, cancelRequested}); // isFollowing: one lookup at a time
    monitorFor(target)->findJobOfRun(uid, [this, uid, done](qint64 jobId, const SlurmError &e) {
        auto it = m_runs.find(uid);
        if (it == m_runs.end())
            return;
        if (!e.ok() || jobId <= 0) {
            m_runs.erase(it);
            done(0, e.message);
            return;
        }
        it->jobId = jobId;
        if (it->cancelRequested)
            if (SlurmJobMonitor *monitor = m_monitors.value(it->target))
                monitor->cancel(jobId);
        done(jobId, {});
    });
}

bool SlurmRunBackend::cancel(const QString &uid)
{
    auto it = m_runs.find(uid);
    if (it == m_runs.end())
        return false;
    it->cancelRequested = true;
    SlurmJobMonitor *monitor = m_monitors.value(it->target);
    if (monitor && it->jobId > 0)
        monitor->cancel(it->jobId);
    return true;
}

void SlurmRunBackend::onJob(const QString &uid, const SlurmJob &job)
{
    auto it = m_runs.find(uid);
    if (it == m_runs.end())
        return;
    const SlurmRunOutcome outcome = SlurmRunState::fromJob(
        job, job.isFinished() ? SlurmExitRecord::read(it->runDir) : std::nullopt, it->cancelRequested);
    if (outcome.terminal())
        m_runs.erase(it);
    emit runUpdated(uid, outcome);
}

void SlurmRunBackend::onVanished(const QString &uid, qint64 jobId)
{
    auto it = m_runs.find(uid);
    if (it == m_runs.end())
        return;
    const SlurmRunOutcome outcome =
        SlurmRunState::fromVanished(jobId, SlurmExitRecord::read(it->runDir), it->cancelRequested);
    m_runs.erase(it);
    emit runUpdated(uid, outcome);
}

} // namespace mldesk::core
