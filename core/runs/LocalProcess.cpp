// LocalProcess: process identity, signals and supervisor records; see the header.
#include "core/runs/LocalProcess.h"

#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <cstring>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Fields after the command name of /proc/<pid>/stat: [0] is field 3 (state), [19] field 22 (start time).
QList<QByteArray> statFields(qint64 pid)
{
    QFile file(u"/proc/%1/stat"_s.arg(pid));
    if (pid <= 0 || !file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray text = file.readAll();
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0)
        return {};
    return text.mid(close + 2).split(' ');
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

} // namespace

LocalProcess::Identity LocalProcess::launch(const QString &supervisor, const QString &runDir, const QString &program,
                                            const QStringList &arguments, const QProcessEnvironment &environment,
                                            const QStringList &supervisorOptions)
{
    if (supervisor.isEmpty())
        throw WorkspaceError(u"mldesk-supervisor was not found; install it next to MLDesk or set MLDESK_SUPERVISOR "
                             u"to its path"_s);
    QProcess process;
    process.setProgram(supervisor);
    process.setArguments(QStringList{u"--run-dir"_s, runDir} + supervisorOptions + QStringList{u"--"_s, program} +
                         arguments);
    process.setWorkingDirectory(runDir);
    process.setProcessEnvironment(environment);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(runDir + u"/logs/mldesk_system.txt"_s, QIODevice::Append);
    process.setStandardErrorFile(runDir + u"/logs/mldesk_system.txt"_s, QIODevice::Append);
    qint64 pid = 0;
    if (!process.startDetached(&pid) || pid <= 0)
        throw WorkspaceError(u"cannot start the run's supervisor '%1': %2"_s.arg(supervisor, process.errorString()));
    return {pid, startTicks(pid)};
}

qint64 LocalProcess::startTicks(qint64 pid)
{
    const QList<QByteArray> fields = statFields(pid);
    return fields.size() > 19 ? fields[19].toLongLong() : 0;
}

bool LocalProcess::isAlive(const Identity &identity)
{
    const QList<QByteArray> fields = statFields(identity.pid);
    if (fields.size() <= 19)
        return false;
    if (fields[0] == "Z" || fields[0] == "X")
        return false;
    return identity.startTicks == 0 || fields[19].toLongLong() == identity.startTicks;
}

bool LocalProcess::groupExists(qint64 groupId)
{
    if (groupId <= 0 || (::kill(pid_t(-groupId), 0) != 0 && errno != EPERM))
        return false;
    // kill() also counts zombies, which linger until the reaper (init, or a container's PID 1) collects them:
    // look for a member that still runs.
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        const QList<QByteArray> fields = statFields(pid);
        // [0] state (field 3), [2] process group (field 5)
        if (fields.size() > 2 && fields[2].toLongLong() == groupId && fields[0] != "Z" && fields[0] != "X")
            return true;
    }
    return false;
}

bool LocalProcess::signalGroup(qint64 groupId, int signal)
{
    return groupId > 0 && ::kill(pid_t(-groupId), signal) == 0;
}

bool LocalProcess::anyProcessIn(const QString &dir)
{
    const QString canonical = QFileInfo(dir).canonicalFilePath();
    if (canonical.isEmpty())
        return false;
    const QString below = canonical + u'/';
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        if (entry.isEmpty() || !entry.front().isDigit())
            continue;
        const QString cwd =
            QFile::symLinkTarget(u"/proc/"_s + entry + u"/cwd"_s); // empty for zombies and unreadable ones
        if (cwd == canonical || cwd.startsWith(below))
            return true;
    }
    return false;
}

std::optional<LocalProcess::ExitRecord> LocalProcess::readExitRecord(const QString &runDir)
{
    if (!QFileInfo::exists(runDir + u"/exit.json"_s))
        return std::nullopt;
    const QJsonObject o = readJson(runDir + u"/exit.json"_s);
    if (o.isEmpty())
        return std::nullopt; // renamed into place atomically, so empty means unreadable: try again later
    ExitRecord r;
    if (o.contains(u"exit_code"_s))
        r.exitCode = o.value(u"exit_code"_s).toInt();
    if (o.contains(u"signal"_s)) {
        r.signal = o.value(u"signal"_s).toInt();
        r.signalName = o.value(u"signal_name"_s).toString();
    }
    r.terminateRequested = o.value(u"terminate_requested"_s).toBool();
    r.endedAtMs = qint64(o.value(u"ended_at"_s).toDouble());
    return r;
}

std::optional<LocalProcess::ProcessRecord> LocalProcess::readProcessRecord(const QString &runDir)
{
    const QJsonObject o = readJson(runDir + u"/process.json"_s);
    if (o.isEmpty())
        return std::nullopt;
    ProcessRecord r;
    r.supervisor.pid = qint64(o.value(u"supervisor_pid"_s).toDouble());
    r.supervisor.startTicks = qint64(o.value(u"supervisor_start_ticks"_s).toDouble());
    r.jobPid = qint64(o.value(u"job_pid"_s).toDouble());
    return r;
}

QString LocalProcess::signalName(int signal)
{
    const char *abbrev = sigabbrev_np(signal);
    return abbrev ? u"SIG"_s + QString::fromLatin1(abbrev) : u"signal %1"_s.arg(signal);
}

QString LocalProcess::findProgram(const QString &name, const QString &envVariable, const QString &buildSubfolder)
{
    const QString fromEnv = qEnvironmentVariable(envVariable.toLatin1().constData());
    if (!fromEnv.isEmpty())
        return QFileInfo(fromEnv).isExecutable() ? QFileInfo(fromEnv).absoluteFilePath() : QString();
    if (QCoreApplication::instance()) {
        const QString dir = QCoreApplication::applicationDirPath();
        const QStringList candidates{dir + u'/' + name, dir + u"/../"_s + buildSubfolder + u'/' + name,
                                     dir + u"/../../app/"_s + buildSubfolder + u'/' + name,
                                     dir + u"/../app/"_s + buildSubfolder + u'/' + name};
        for (const QString &candidate : candidates) {
            if (QFileInfo(candidate).isExecutable())
                return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return QStandardPaths::findExecutable(name);
}

QString LocalProcess::findTrainer()
{
    return findProgram(u"mldesk-train"_s, u"MLDESK_TRAIN"_s, u"train"_s);
}

QString LocalProcess::findSupervisor()
{
    return findProgram(u"mldesk-supervisor"_s, u"MLDESK_SUPERVISOR"_s, u"supervisor"_s);
}

} // namespace mldesk::core
