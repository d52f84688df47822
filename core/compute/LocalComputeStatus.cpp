// LocalComputeStatus: probing this machine; see the header.
#include "core/compute/LocalComputeStatus.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

qint64 physicalMemory()
{
    QFile meminfo(u"/proc/meminfo"_s);
    if (!meminfo.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : meminfo.readAll().split('\n')) {
        if (line.startsWith("MemTotal:")) {
            const QList<QByteArray> parts = line.simplified().split(' ');
            return parts.value(1).toLongLong() * 1024; // kB
        }
    }
    return 0;
}

} // namespace

QString LocalComputeStatus::findTrainer()
{
    const QString fromEnv = qEnvironmentVariable("MLDESK_TRAIN");
    if (!fromEnv.isEmpty())
        return QFileInfo(fromEnv).isExecutable() ? fromEnv : QString();
    if (QCoreApplication::instance()) {
        // Installed side by side in bin/; in a build tree the trainer is in app/train beside app/cli and app/gui.
        const QString dir = QCoreApplication::applicationDirPath();
        for (const QString &candidate :
             {QString(dir + u"/mldesk-train"_s), QString(dir + u"/../train/mldesk-train"_s)}) {
            if (QFileInfo(candidate).isExecutable())
                return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return QStandardPaths::findExecutable(u"mldesk-train"_s);
}

bool LocalComputeStatus::parseDeviceList(const QByteArray &json, LocalComputeStatus &status)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (!doc.isObject() || !doc.object().value(u"devices"_s).isArray()) {
        status.gpuError = u"mldesk-train --list-devices printed something that is not its device list (%1)"_s.arg(
            error.error != QJsonParseError::NoError ? error.errorString() : u"no 'devices' array"_s);
        return false;
    }
    status.cudaCompiled = doc.object().value(u"cuda_compiled"_s).toBool();
    status.gpus.clear();
    for (const QJsonValue &v : doc.object().value(u"devices"_s).toArray()) {
        const QJsonObject d = v.toObject();
        status.gpus.append(GpuDevice{d.value(u"index"_s).toInt(), d.value(u"name"_s).toString(),
                                     qint64(d.value(u"memory_bytes"_s).toDouble()),
                                     d.value(u"compute_capability"_s).toString()});
    }
    return true;
}

LocalComputeStatus LocalComputeStatus::probe(const QString &trainerPath, int timeoutMs)
{
    LocalComputeStatus status;
    status.cpuCores = QThread::idealThreadCount();
    status.memoryBytes = physicalMemory();
    status.trainerPath = trainerPath.isEmpty() ? findTrainer() : trainerPath;
    if (status.trainerPath.isEmpty()) {
        status.gpuError = u"mldesk-train was not found (set MLDESK_TRAIN to its path, or install it next to this "
                          u"program); GPUs unknown"_s;
        return status;
    }
    QProcess process;
    process.start(status.trainerPath, {u"--list-devices"_s});
    if (!process.waitForStarted(timeoutMs)) {
        status.gpuError = u"cannot start %1: %2"_s.arg(status.trainerPath, process.errorString());
        return status;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(1000);
        status.gpuError =
            u"%1 --list-devices did not answer within %2 s"_s.arg(status.trainerPath).arg(timeoutMs / 1000);
        return status;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        status.gpuError = u"%1 --list-devices failed (exit code %2): %3"_s.arg(status.trainerPath)
                              .arg(process.exitCode())
                              .arg(QString::fromUtf8(process.readAllStandardError()).trimmed());
        return status;
    }
    parseDeviceList(process.readAllStandardOutput(), status);
    return status;
}

} // namespace mldesk::core
