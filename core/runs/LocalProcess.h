// LocalProcess: the job process of a local run as the OS sees it - starting it detached through mldesk-supervisor,
// naming it by pid + start time (/proc/<pid>/stat field 22, so a reused pid is never mistaken for it), signalling
// its process group, and reading the process.json / exit.json records the supervisor leaves in the run folder.
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace mldesk::core {

class LocalProcess final {
public:
    struct Identity {
        qint64 pid = 0;
        qint64 startTicks = 0;
    };
    struct ExitRecord {
        std::optional<int> exitCode;
        std::optional<int> signal;
        QString signalName; // "SIGKILL"
        bool terminateRequested = false;
        qint64 endedAtMs = 0;
    };
    struct ProcessRecord {
        Identity supervisor;
        qint64 jobPid = 0;
    };

    // Starts `supervisor --run-dir runDir [supervisorOptions] -- program arguments` detached (own session and
    // process group) with environment. Throws WorkspaceError when it cannot start.
    static Identity launch(const QString &supervisor, const QString &runDir, const QString &program,
                           const QStringList &arguments, const QProcessEnvironment &environment,
                           const QStringList &supervisorOptions = {});

    // 0 when there is no such process.
    static qint64 startTicks(qint64 pid);
    // True while the process named by identity exists and is not a zombie.
    static bool isAlive(const Identity &identity);
    // True while a member of the process group still runs (zombies waiting to be reaped do not count).
    static bool groupExists(qint64 groupId);
    static bool signalGroup(qint64 groupId, int signal);
    // True while some process works in dir or below it (its current directory): a run's supervisor enters its run
    // folder before anything else, and QProcess enters it before exec, so a supervisor on its way is seen too.
    static bool anyProcessIn(const QString &dir);

    static std::optional<ExitRecord> readExitRecord(const QString &runDir);
    static std::optional<ProcessRecord> readProcessRecord(const QString &runDir);
    static QString signalName(int signal); // "SIGTERM"

    // Finds one of MLDesk's own programs: $envVariable, next to the running program, in the build tree's
    // app/<buildSubfolder>/, or on PATH. Empty when not found.
    static QString findProgram(const QString &name, const QString &envVariable, const QString &buildSubfolder);
    static QString findTrainer();    // mldesk-train ($MLDESK_TRAIN)
    static QString findSupervisor(); // mldesk-supervisor ($MLDESK_SUPERVISOR)
};

} // namespace mldesk::core
