// Slurm commands: `compute status NAME` - asks a Slurm target's slurmrestd for the controller's ping, the REST API
// version in use (auto-detected unless the target names one), the nodes (state, CPUs, memory, GPUs/gres) and the
// partitions; warns about a plain-http URL to another machine. The rest of the compute group is in ComputeCommands.cpp.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/compute/ComputeTargetRegistry.h"
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmClusterStatus.h"
#include "core/slurm/SlurmTargetConnection.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

QString minutes(int m)
{
    if (m < 0)
        return u"unlimited"_s;
    return m % 60 == 0 ? u"%1 h"_s.arg(m / 60) : u"%1 min"_s.arg(m);
}

QList<Output::Field> nodeFields(const core::SlurmNode &n, bool json)
{
    QString state = n.state;
    if (!n.stateFlags.isEmpty())
        state += u"+"_s + n.stateFlags.join(u"+"_s).toLower();
    if (!n.reason.isEmpty())
        state += u" (%1)"_s.arg(n.reason);
    const QString gres = n.gres.isEmpty() ? u"-"_s : n.gres;
    return {{u"name"_s, u"Node"_s, n.name},
            {u"state"_s, u"State"_s, state},
            {u"cpus"_s, u"CPUs"_s,
             json ? QJsonValue(n.cpus) : QJsonValue(u"%1/%2 used"_s.arg(n.allocatedCpus).arg(n.cpus))},
            {u"allocated_cpus"_s, u"-"_s, n.allocatedCpus},
            {u"memory_mb"_s, u"Memory"_s,
             json ? QJsonValue(double(n.realMemoryMb)) : QJsonValue(u"%1 MB"_s.arg(n.realMemoryMb))},
            {u"gpus"_s, u"GPUs"_s, n.gpuCount()},
            {u"gres"_s, u"Gres"_s, gres},
            {u"partitions"_s, u"Partitions"_s,
             json ? QJsonValue(QJsonArray::fromStringList(n.partitions)) : QJsonValue(n.partitions.join(u","_s))}};
}

QList<Output::Field> partitionFields(const core::SlurmPartition &p, bool json)
{
    return {
        {u"name"_s, u"Partition"_s, p.name},
        {u"state"_s, u"State"_s, p.state},
        {u"default"_s, u"Default"_s, p.isDefault},
        {u"nodes"_s, u"Nodes"_s, json ? QJsonValue(p.nodes) : QJsonValue(u"%1 (%2)"_s.arg(p.totalNodes).arg(p.nodes))},
        {u"total_nodes"_s, u"-"_s, p.totalNodes},
        {u"cpus"_s, u"CPUs"_s, p.totalCpus},
        {u"max_time_minutes"_s, u"Max time"_s,
         json ? QJsonValue(p.maxTimeMinutes) : QJsonValue(minutes(p.maxTimeMinutes))}};
}

// Drops the JSON-only columns (label "-") from a text table.
QList<Output::Field> visible(const QList<Output::Field> &fields)
{
    QList<Output::Field> out;
    for (const auto &f : fields)
        if (f.label != u"-"_s)
            out.append(f);
    return out;
}

int status(CliContext &context)
{
    core::ComputeTargetRegistry registry(context.workspace().database());
    const core::ComputeTarget target = registry.get(context.arguments().at(0));
    if (target.kind != core::ComputeTarget::Kind::Slurm)
        throw core::WorkspaceError(
            u"'%1' is this machine, not a Slurm cluster: see `mldesk-cli compute show %1`"_s.arg(target.name));

    // The token: from the environment at once, or from the keychain (answers on this thread's event loop).
    QEventLoop loop;
    core::SlurmClient::Connection connection;
    QString tokenError;
    bool answered = false;
    core::SlurmTargetConnection::resolve(target.slurm, context.workspace().path(), target.name, &loop,
                                         [&](const core::SlurmClient::Connection &c, const QString &e) {
                                             connection = c;
                                             tokenError = e;
                                             answered = true;
                                             loop.quit();
                                         });
    if (!answered)
        loop.exec();
    if (!tokenError.isEmpty())
        throw core::WorkspaceError(tokenError);

    const QString plainHttp = target.slurm.plainHttpWarning();
    if (!plainHttp.isEmpty()) // before asking: the token is on its way
        Output::error(u"warning: "_s + plainHttp);
    auto http = core::HttpClient::create();
    core::SlurmClient client(*http, connection);
    const core::SlurmClusterStatus s = core::SlurmClusterStatus::query(client);
    if (!s.ping.ok())
        throw core::WorkspaceError(u"compute target '%1': %2"_s.arg(target.name, s.ping.error.message));

    const bool json = context.out().json();
    QList<QList<Output::Field>> nodes, partitions;
    QJsonArray nodeArray, partitionArray;
    for (const auto &n : s.nodes.value) {
        nodes.append(visible(nodeFields(n, json)));
        nodeArray.append(Output::toObject(nodeFields(n, true)));
    }
    for (const auto &p : s.partitions.value) {
        partitions.append(visible(partitionFields(p, json)));
        partitionArray.append(Output::toObject(partitionFields(p, true)));
    }
    const QList<Output::Field> head = {
        {u"name"_s, u"Target"_s, target.name},
        {u"url"_s, u"slurmrestd"_s, target.slurm.url},
        {u"ping"_s, u"Controller"_s,
         json ? QJsonValue(s.ping.value.state)
              : QJsonValue(u"%1 (%2, %3)"_s.arg(s.ping.value.state, s.ping.value.hostname, s.ping.value.mode))},
        {u"slurm_release"_s, u"Slurm"_s, s.ping.value.slurmRelease},
        {u"api_version"_s, u"API"_s,
         client.autoDetected() && !json ? QJsonValue(u"%1 (auto)"_s.arg(client.apiVersion()))
                                        : QJsonValue(client.apiVersion())},
        {u"api_version_setting"_s, u"-"_s, target.slurm.apiVersion}};

    if (json) {
        QList<Output::Field> all = head;
        all.append({u"warning"_s, u"Warning"_s, plainHttp});
        all.append({u"nodes"_s, u"Nodes"_s, s.nodes.ok() ? QJsonValue(nodeArray) : QJsonValue()});
        all.append({u"partitions"_s, u"Partitions"_s, s.partitions.ok() ? QJsonValue(partitionArray) : QJsonValue()});
        all.append({u"errors"_s, u"Errors"_s,
                    QJsonArray::fromStringList(QStringList{s.nodes.error.message, s.partitions.error.message}.filter(
                        QRegularExpression(u"."_s)))});
        context.out().record(all);
    } else {
        context.out().record(visible(head));
        Output::text(u"\n"_s);
        if (s.nodes.ok())
            context.out().table(nodes, visible(nodeFields({}, false)));
        else
            Output::error(s.nodes.error.message);
        Output::text(u"\n"_s);
        if (s.partitions.ok())
            context.out().table(partitions, visible(partitionFields({}, false)));
        else
            Output::error(s.partitions.error.message);
    }
    return s.nodes.ok() && s.partitions.ok() ? ExitOk : ExitUserError;
}

} // namespace

void registerSlurmCommands(CommandRegistry &registry)
{
    registry.add({u"compute"_s,
                  u"status"_s,
                  u"NAME"_s,
                  u"Ask a Slurm target's cluster for its controller, nodes (CPUs, memory, GPUs) and partitions."_s,
                  {},
                  1,
                  1,
                  status});
}

} // namespace mldesk::cli
