// compute commands: create (local or Slurm; the Slurm token from an environment variable or into the keychain),
// list, show (local: CPU cores, memory and GPUs from mldesk-train; Slurm: its definition) and delete.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/compute/ComputeTargetRegistry.h"
#include "core/compute/ComputeTokenStore.h"
#include "core/compute/LocalComputeStatus.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

int intOption(const CliContext &context, const QString &name, int fallback)
{
    if (!context.isSet(name))
        return fallback;
    bool ok = false;
    const int value = context.value(name).toInt(&ok);
    if (!ok)
        throw UsageError(u"--%1 '%2' is not a whole number"_s.arg(name, context.value(name)));
    return value;
}

// Waits for one keychain answer; the CLI's own event loop (the token store answers or times out).
QString storeTokenBlocking(const QString &key, const QString &token)
{
    QEventLoop loop;
    QString error;
    bool answered = false;
    core::ComputeTokenStore::store(key, token, &loop, [&](const QString &e) {
        error = e;
        answered = true;
        loop.quit();
    });
    if (!answered)
        loop.exec();
    return error;
}

QString describeMemory(qint64 bytes)
{
    return bytes <= 0 ? u"unknown"_s : u"%1 GiB"_s.arg(double(bytes) / (1024.0 * 1024 * 1024), 0, 'f', 1);
}

QList<Output::Field> listFields(const core::ComputeTarget &t)
{
    QString detail;
    if (t.kind == core::ComputeTarget::Kind::Slurm)
        detail = u"%1 partition=%2 nodes=%3-%4 gpus/node=%5"_s
                     .arg(t.slurm.url, t.slurm.partition.isEmpty() ? u"(default)"_s : t.slurm.partition)
                     .arg(t.slurm.nodesMin)
                     .arg(t.slurm.nodesMax)
                     .arg(t.slurm.gpusPerNode);
    else
        detail = u"this machine"_s;
    return {{u"name"_s, u"NAME"_s, t.name},
            {u"type"_s, u"TYPE"_s, core::ComputeTarget::kindName(t.kind)},
            {u"detail"_s, u"DETAIL"_s, detail},
            {u"created"_s, u"CREATED (UTC)"_s, t.created.toString(Qt::ISODate)}};
}

int create(CliContext &context)
{
    const QString name = context.arguments().at(0);
    const QString type = context.value(u"type"_s);
    core::Workspace &ws = context.workspace();
    core::ComputeTargetRegistry registry(ws.database());
    core::ComputeTarget target;
    if (type == u"local"_s) {
        target = registry.createLocal(name);
    } else if (type == u"slurm"_s) {
        core::SlurmTargetConfig c;
        c.url = context.value(u"url"_s);
        if (context.isSet(u"api-version"_s))
            c.apiVersion = context.value(u"api-version"_s);
        c.user = context.value(u"user"_s);
        c.partition = context.value(u"partition"_s);
        c.nodesMin = intOption(context, u"min-nodes"_s, 1);
        c.nodesMax = intOption(context, u"max-nodes"_s, std::max(1, c.nodesMin));
        c.gpusPerNode = intOption(context, u"gpus-per-node"_s, 0);
        c.timeLimit = context.value(u"time-limit"_s);
        c.sharedDirLocal = context.value(u"shared-dir"_s);
        c.sharedDirCluster = context.value(u"cluster-shared-dir"_s);
        c.tokenEnv = context.value(u"token-env"_s);
        c.containers = context.isSet(u"containers"_s);
        c.tokenInKeychain = context.isSet(u"token-stdin"_s);
        if (!c.tokenEnv.isEmpty() && c.tokenInKeychain)
            throw UsageError(u"give the token one way: --token-env VAR or --token-stdin, not both"_s);
        const QStringList problems = c.validate();
        if (!problems.isEmpty())
            throw core::WorkspaceError(u"Slurm target '%1' refused - %2"_s.arg(name, problems.join(u"; "_s)));
        if (registry.find(name))
            throw core::WorkspaceError(u"a compute target named '%1' exists already; choose another name or delete "
                                       u"it first (mldesk-cli compute delete %1)"_s.arg(name));
        if (c.tokenInKeychain) {
            QTextStream in(stdin);
            const QString token = in.readLine().trimmed();
            if (token.isEmpty())
                throw core::WorkspaceError(u"--token-stdin read no token from standard input; pipe it in, e.g. "
                                           u"scontrol token | cut -d= -f2 | mldesk-cli compute create ..."_s);
            const QString error = storeTokenBlocking(core::ComputeTokenStore::keyFor(ws.path(), name), token);
            if (!error.isEmpty())
                throw core::WorkspaceError(error);
        }
        target = registry.createSlurm(name, c);
        if (const QString warning = c.plainHttpWarning(); !warning.isEmpty())
            Output::error(u"warning: "_s + warning);
    } else {
        throw UsageError(u"--type must be local or slurm (got '%1')"_s.arg(type));
    }
    context.out().note(
        u"Created %1 compute target '%2'"_s.arg(core::ComputeTarget::kindName(target.kind), target.name));
    if (context.out().json())
        context.out().record(listFields(target));
    return ExitOk;
}

int list(CliContext &context)
{
    core::ComputeTargetRegistry registry(context.workspace().database());
    QList<QList<Output::Field>> rows;
    for (const core::ComputeTarget &t : registry.list())
        rows.append(listFields(t));
    context.out().table(rows, listFields({}));
    return ExitOk;
}

int show(CliContext &context)
{
    core::ComputeTargetRegistry registry(context.workspace().database());
    const core::ComputeTarget t = registry.get(context.arguments().at(0));
    QList<Output::Field> fields{{u"name"_s, u"Name"_s, t.name},
                                {u"type"_s, u"Type"_s, core::ComputeTarget::kindName(t.kind)},
                                {u"created"_s, u"Created (UTC)"_s, t.created.toString(Qt::ISODate)},
                                {u"active_runs"_s, u"Active runs"_s, registry.activeRunCount(t.id)}};
    if (t.kind == core::ComputeTarget::Kind::Local) {
        const core::LocalComputeStatus s = core::LocalComputeStatus::probe();
        QJsonArray gpus;
        QStringList gpuText;
        for (const core::GpuDevice &g : s.gpus) {
            gpus.append(QJsonObject{{u"index"_s, g.index},
                                    {u"name"_s, g.name},
                                    {u"memory_bytes"_s, double(g.memoryBytes)},
                                    {u"compute_capability"_s, g.computeCapability}});
            gpuText.append(
                u"#%1 %2 (%3, sm %4)"_s.arg(g.index).arg(g.name, describeMemory(g.memoryBytes), g.computeCapability));
        }
        const bool json = context.out().json();
        fields.append({{u"cpu_cores"_s, u"CPU cores"_s, s.cpuCores},
                       {u"memory_bytes"_s, u"Memory"_s,
                        json ? QJsonValue(double(s.memoryBytes)) : QJsonValue(describeMemory(s.memoryBytes))},
                       {u"gpus"_s, u"GPUs"_s,
                        json ? QJsonValue(gpus)
                             : QJsonValue(!s.gpuError.isEmpty() ? u"unknown: "_s + s.gpuError
                                          : gpuText.isEmpty()   ? u"none (runs use the CPU)"_s
                                                                : gpuText.join(u"; "_s))},
                       {u"trainer"_s, u"Trainer"_s, s.trainerPath}});
        if (json)
            fields.append({u"gpu_error"_s, u"GPU error"_s, s.gpuError});
    } else {
        const core::SlurmTargetConfig &c = t.slurm;
        fields.append({{u"url"_s, u"slurmrestd URL"_s, c.url},
                       {u"api_version"_s, u"API version"_s, c.apiVersion},
                       {u"user"_s, u"User"_s, c.user},
                       {u"partition"_s, u"Partition"_s, c.partition},
                       {u"nodes_min"_s, u"Nodes (min)"_s, c.nodesMin},
                       {u"nodes_max"_s, u"Nodes (max)"_s, c.nodesMax},
                       {u"gpus_per_node"_s, u"GPUs per node"_s, c.gpusPerNode},
                       {u"time_limit"_s, u"Time limit"_s, c.timeLimit},
                       {u"shared_dir"_s, u"Shared folder (here)"_s, c.sharedDirLocal},
                       {u"shared_dir_cluster"_s, u"Shared folder (nodes)"_s, c.clusterPath()},
                       {u"token"_s, u"Token"_s,
                        c.tokenInKeychain ? u"in the system keychain"_s
                                          : u"from the environment variable %1"_s.arg(c.tokenEnv)}});
        if (const QString warning = c.plainHttpWarning(); !warning.isEmpty())
            fields.append({u"warning"_s, u"Warning"_s, warning});
    }
    context.out().record(fields);
    return ExitOk;
}

int remove(CliContext &context)
{
    core::ComputeTargetRegistry registry(context.workspace().database());
    const QString name = context.arguments().at(0);
    const core::ComputeTarget t = registry.get(name);
    registry.remove(name);
    if (t.kind == core::ComputeTarget::Kind::Slurm && t.slurm.tokenInKeychain) {
        QEventLoop loop;
        QString error;
        bool answered = false;
        core::ComputeTokenStore::remove(core::ComputeTokenStore::keyFor(context.workspace().path(), name), &loop,
                                        [&](const QString &e) {
                                            error = e;
                                            answered = true;
                                            loop.quit();
                                        });
        if (!answered)
            loop.exec();
        if (!error.isEmpty())
            Output::error(u"the target is deleted, but its token could not be removed from the keychain: "_s + error);
    }
    context.out().note(u"Deleted compute target '%1'"_s.arg(name));
    if (context.out().json())
        context.out().record({{u"name"_s, u"Name"_s, name}, {u"deleted"_s, u"Deleted"_s, true}});
    return ExitOk;
}

} // namespace

void registerComputeCommands(CommandRegistry &registry)
{
    registry.add(
        {u"compute"_s,
         u"create"_s,
         u"NAME"_s,
         u"Create a compute target (--type local or slurm)."_s,
         {QCommandLineOption(u"type"_s, u"local or slurm."_s, u"TYPE"_s),
          QCommandLineOption(u"url"_s, u"slurm: slurmrestd URL, e.g. http://127.0.0.1:6820."_s, u"URL"_s),
          QCommandLineOption(
              u"api-version"_s,
              u"slurm: slurmrestd REST API version: auto (default; the newest the cluster and MLDesk both know), "
              u"v0.0.38 (Slurm 22.05), v0.0.40, v0.0.41 or v0.0.42 (Slurm 23.11-25.05)."_s,
              u"VERSION"_s),
          QCommandLineOption(u"user"_s, u"slurm: the cluster user jobs run as."_s, u"USER"_s),
          QCommandLineOption(u"partition"_s, u"slurm: partition (default: the cluster's)."_s, u"NAME"_s),
          QCommandLineOption(u"min-nodes"_s, u"slurm: fewest nodes per job (default 1)."_s, u"N"_s),
          QCommandLineOption(u"max-nodes"_s, u"slurm: most nodes per job (default: min-nodes)."_s, u"N"_s),
          QCommandLineOption(u"gpus-per-node"_s, u"slurm: GPUs per node (default 0)."_s, u"N"_s),
          QCommandLineOption(u"containers"_s,
                             u"slurm: the nodes run container images (pyxis/enroot: srun --container-image)."_s),
          QCommandLineOption(u"time-limit"_s, u"slurm: job time limit (MM, HH:MM:SS, D-HH:MM:SS)."_s, u"TIME"_s),
          QCommandLineOption(u"shared-dir"_s, u"slurm: a folder this machine and the nodes both see."_s, u"DIR"_s),
          QCommandLineOption(u"cluster-shared-dir"_s,
                             u"slurm: the same folder as the nodes see it, when its path differs."_s, u"DIR"_s),
          QCommandLineOption(u"token-env"_s, u"slurm: environment variable holding the JWT."_s, u"VAR"_s),
          QCommandLineOption(u"token-stdin"_s, u"slurm: read the JWT from standard input into the system keychain."_s)},
         1,
         1,
         create});
    registry.add({u"compute"_s, u"list"_s, {}, u"List compute targets."_s, {}, 0, 0, list});
    registry.add(
        {u"compute"_s, u"show"_s, u"NAME"_s, u"Show a compute target (local: CPU, memory, GPUs)."_s, {}, 1, 1, show});
    registry.add(
        {u"compute"_s, u"delete"_s, u"NAME"_s, u"Delete a compute target no unfinished run uses."_s, {}, 1, 1, remove});
}

} // namespace mldesk::cli
