// Run value types shared by the run service, the watcher, the CLI and the GUI: states, the run request, the
// stored run record, metric points and file entries.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace mldesk::core {

enum class RunState { Queued, Preparing, Starting, Running, Finalizing, Completed, Failed, Canceled };

QString runStateName(RunState state);
// Case-insensitive; nullopt for an unknown name.
std::optional<RunState> runStateFromName(const QString &name);
bool isTerminal(RunState state);
// Every state name, in lifecycle order (for messages and filters).
QStringList runStateNames();

// Run priorities (issue 12 item 1): an integer, higher starts first among the queued runs that can start now; ties
// first come, first served. The names are what a user may type for the usual three.
constexpr int kRunPriorityMin = -1000;
constexpr int kRunPriorityMax = 1000;
constexpr int kRunPriorityLow = -100;
constexpr int kRunPriorityNormal = 0;
constexpr int kRunPriorityHigh = 100;
// "low", "normal" (or Azure ML's "medium"), "high" (any case) or a whole number in kRunPriorityMin..kRunPriorityMax;
// nullopt with *error saying what is wrong and what to write otherwise.
std::optional<int> runPriorityFromText(const QString &text, QString *error);
// Empty when priority is in range, else the sentence that refuses it.
QString runPriorityProblem(int priority);
// "100 (high)", "-5": the number, and its name when it has one.
QString runPriorityText(int priority);

// What the user asks for (GUI dialog or `run submit`).
struct RunRequest {
    enum class Entry { Script, BuiltinTrainer };
    QString experiment;   // created on first use
    QString sourceFolder; // snapshotted at submission
    Entry entry = Entry::Script;
    QString script;        // relative to sourceFolder, for Entry::Script
    QStringList arguments; // may hold {dataset:NAME[:VERSION][:mount|download]}
    QString environment;   // MLDesk-Native, System-Python or a registered one
    QString compute = QStringLiteral("local");
    QString displayName;
    QMap<QString, QString> tags;
    int priority = kRunPriorityNormal;
    // Which local slot the run may take: any (a GPU when the machine has one), only a GPU, or only a CPU slot (which
    // leaves the GPUs to runs that need one, on a machine that offers CPU slots beside them).
    enum class Device { Any, Gpu, Cpu };
    Device device = Device::Any;
    // Sweeps (issue 16): a child run names its parent (runs.id), its trial and the values it was given.
    qint64 parentRunId = 0;
    std::optional<int> trialIndex;
    QJsonObject hyperparameters;
};

// "any", "gpu", "cpu": how a request's device is written (`run submit --device`, the configuration's
// resources.device); runDeviceFromName takes any case and gives nullopt for another word.
QString runDeviceName(RunRequest::Device device);
std::optional<RunRequest::Device> runDeviceFromName(const QString &name);

struct RunStateChange {
    RunState state = RunState::Queued;
    QDateTime at; // UTC
    QString detail;
};

struct RunFileEntry {
    QString path; // "outputs/model/model.json", "logs/std_log.txt"
    QString hash; // blob
    qint64 size = 0;
};

// One run as stored (runs table + its history and tags).
struct RunRecord {
    qint64 id = 0; // runs.id
    QString uid;   // run_uid, the id users see
    QString experiment;
    QString displayName;
    RunState state = RunState::Queued;
    QDateTime created, started, ended; // UTC; invalid when not yet
    QJsonObject configuration;         // resolved (dataset versions pinned)
    std::optional<int> exitCode;
    std::optional<int> exitSignal;
    QString failureReason;
    QString computeTarget;
    QString runDir;
    QString device; // "gpu:0", "cpu" (local runs, once started)
    qint64 processId = 0;
    qint64 processStartTicks = 0;
    bool cancelRequested = false;
    int priority = kRunPriorityNormal; // runs.priority; changes only while Queued
    QString backendJobId; // local: the supervisor's pid; Slurm: the job id; "preparing:PID:TICKS" while an MLDesk
                          // process prepares it
    QString note;         // what the backend says now, e.g. "cluster unreachable, retrying ..."; empty when fine
    QList<RunFileEntry> outputs; // captured files (outputs/ and logs/)
    QMap<QString, QString> tags;
    QList<RunStateChange> history; // filled by RunStore::load, not by list()
    // Sweeps (issue 16): "sweep" for a sweep's parent run (driven by core/sweeps, never by the run service), else
    // "run"; a child has its parent's id and uid, its trial index and its sampled hyperparameters.
    QString kind = QStringLiteral("run");
    qint64 parentId = 0;
    QString parentUid;
    std::optional<int> trialIndex;
    QJsonObject hyperparameters;
    bool isSweep() const { return kind == QStringLiteral("sweep"); }

    bool isActive() const { return !isTerminal(state); }
    qint64 durationMs() const; // started..ended (or now); 0 when not started
};

struct MetricPoint {
    QString name;
    qint64 step = 0;
    double value = 0;
    qint64 timeMs = 0; // logged at, ms since the epoch
    QString text;      // non-numeric entries (an image's path); value is NaN then
    qint64 seq = 0;    // the store's sequence number of the chunk it came in (see MetricChunks): views that
                       // already hold a chunk skip it when it comes again
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::RunRecord)
Q_DECLARE_METATYPE(mldesk::core::MetricPoint)
