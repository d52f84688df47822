// Slurm value types, independent of the REST API version: errors, ping, nodes, partitions, a job to submit and a
// job as Slurm reports it. The version adapters (SlurmApi) map JSON to and from these.
#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace mldesk::core {

// What went wrong talking to slurmrestd. message is for people: Slurm's own text, plus what to do.
struct SlurmError {
    enum class Kind {
        None,
        Unreachable, // no HTTP answer: refused, timed out, DNS
        Server,      // 5xx or garbage that is not about us: worth retrying later
        Auth,        // 401, or the 500 a bad/expired token gets (slurmrestd 22.05 never says 401 for those)
        NotFound,    // unknown job id (Slurm error 2017)
        Rejected,    // Slurm refused the request (bad partition, bad key, ...): retrying will not help
        Protocol,    // an answer this adapter cannot read
    };
    Kind kind = Kind::None;
    int httpStatus = 0;
    int slurmCode = 0;      // Slurm's error number (2017 = invalid job id); 0 when none
    QString message;        // complete sentence(s) for the user
    QStringList slurmTexts; // Slurm's own error texts from errors[]

    bool ok() const { return kind == Kind::None; }
    // Worth trying again later with the same request (the cluster or the network may come back).
    bool transient() const { return kind == Kind::Unreachable || kind == Kind::Server; }
    static QString kindName(Kind kind);
};

struct SlurmPing {
    QString hostname;
    QString state;        // "UP"
    QString mode;         // "primary"
    QString slurmRelease; // "22.05.8"
    QString pluginType;   // "openapi/v0.0.38"
};

struct SlurmNode {
    QString name;
    QString state;          // "idle", "mixed", "allocated", "down", ...
    QStringList stateFlags; // "DRAIN", ...
    QString reason;
    int cpus = 0;
    int allocatedCpus = 0;
    int idleCpus = 0;
    qint64 realMemoryMb = 0;
    qint64 freeMemoryMb = -1; // -1 when unknown
    qint64 allocatedMemoryMb = 0;
    QString gres;     // "gpu:a100:4"
    QString gresUsed; // "gpu:a100:1(IDX:0)"
    QStringList partitions;
    int gpuCount() const; // GPUs configured in gres (sum of every gpu entry); 0 when none
};

struct SlurmPartition {
    QString name;
    QString state; // "UP"
    QString nodes; // host list expression, "node[01-04]"
    int totalNodes = 0;
    int totalCpus = 0;
    bool isDefault = false;
    int maxTimeMinutes = -1;     // -1: unlimited
    int defaultTimeMinutes = -1; // -1: none set (the maximum applies)
    int maxNodesPerJob = -1;     // -1: unlimited
};

// A batch job to submit.
struct SlurmJobSpec {
    QString name;
    QString comment;   // "mldesk run UID": with the name, finds a job whose id MLDesk never stored
    QString script;    // the batch script, starting with #!
    QString partition; // empty: the cluster's default
    int nodesMin = 1;
    int nodesMax = 1;
    int gpusPerNode = 0;
    int cpusPerTask = 0;                // 0: Slurm's default
    int timeLimitMinutes = -1;          // -1: the partition's default
    QString workingDirectory;           // as the nodes see it
    QString standardOutput;             // file path on the nodes; %j = job id
    QString standardError;              // empty: into standardOutput
    QMap<QString, QString> environment; // the job's complete environment
    bool requeue = false;               // a requeued job would run the run twice into the same folder
};

// A job as Slurm reports it.
struct SlurmJob {
    qint64 id = 0;
    QString name;
    QString comment;
    QString state;       // "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", ...
    QString stateReason; // "Resources", "Priority", "NonZeroExitCode", "None"
    QString partition;
    QString nodes;
    QString user;
    QString workingDirectory;
    QString standardOutput;
    int timeLimitMinutes = -1;
    QDateTime submitTime, startTime, endTime; // UTC; invalid when 0 / unknown
    int rawExitCode = 0; // the wait status as Slurm reports it: 768 = exit 3, 15 = killed by SIGTERM

    // Decoded raw wait status: the exit code when the job exited, else nullopt.
    std::optional<int> exitCode() const;
    // The signal that killed it, else nullopt.
    std::optional<int> exitSignal() const;
    bool isFinished() const; // a terminal Slurm state
    // state_reason worth showing (not "None").
    QString reason() const { return stateReason == QLatin1String("None") ? QString() : stateReason; }
};

// Answer of jobs?update_time=T. Slurm answers every job when anything changed since T, else nothing at all.
struct SlurmJobList {
    QList<SlurmJob> jobs;
    bool complete = false; // jobs is the full list Slurm holds (so a job not in it has been purged)
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::SlurmJob)
Q_DECLARE_METATYPE(mldesk::core::SlurmError)
