// LocalComputeStatus: what the 'local' target offers - CPU cores, memory and the GPUs that mldesk-train sees
// (`mldesk-train --list-devices`, so core never links CUDA). The trainer is found through $MLDESK_TRAIN, next to
// the running executable, or on PATH.
#pragma once

#include <QList>
#include <QString>

namespace mldesk::core {

struct GpuDevice {
    int index = 0;
    QString name;
    qint64 memoryBytes = 0;
    QString computeCapability; // "9.0"
};

struct LocalComputeStatus {
    int cpuCores = 0;
    qint64 memoryBytes = 0; // physical memory; 0 when unknown
    QList<GpuDevice> gpus;
    bool cudaCompiled = false;
    QString trainerPath; // empty when not found
    QString gpuError;    // why the GPU list is unknown (trainer missing, failed, bad output); empty when known

    static LocalComputeStatus probe(const QString &trainerPath = {}, int timeoutMs = 15000);
    static QString findTrainer();
    // Parses the trainer's --list-devices JSON into status; false with status.gpuError set when it is not that.
    static bool parseDeviceList(const QByteArray &json, LocalComputeStatus &status);
};

} // namespace mldesk::core
