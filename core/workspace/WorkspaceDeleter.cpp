// WorkspaceDeleter: plans (what goes, what refuses) and the deletions themselves, as SQL on workspace.db.
#include "core/workspace/WorkspaceDeleter.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/models/ModelRegistry.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "core/workspace/WorkspaceGc.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr int kListedBlockers = 10; // then "and N more"

// "NAME:VERSION" with a number: deleting "the latest" by accident is what this guards against.
void requireVersion(const QString &nameAndVersion, const QString &group)
{
    static const QRegularExpression re(u"^.+:[0-9]+$"_s);
    if (!re.match(nameAndVersion).hasMatch())
        throw WorkspaceError(u"name the version to delete: %1:VERSION (mldesk-cli %2 show %1 lists them)"_s.arg(
            nameAndVersion.section(u':', 0, 0), group));
}

// One line per row of sql's first column, formatted by `line`, at most kListedBlockers of them.
QStringList listed(Database &db, const QString &sql, const QVariantList &bindings, const QString &line)
{
    QStringList out;
    int more = 0;
    QSqlQuery q = db.exec(sql, bindings);
    while (q.next()) {
        if (out.size() < kListedBlockers)
            out.append(line.arg(q.value(0).toString()));
        else
            ++more;
    }
    if (more > 0)
        out.append(u"... and %1 more"_s.arg(more));
    return out;
}

QString human(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

const QString kModelName = u"(SELECT m.name || ':' || mv.version FROM models m WHERE m.id = mv.model_id)"_s;

} // namespace

QStringList WorkspaceDeleter::runRefusal(qint64 runId) const
{
    Database &db = m_workspace.database();
    QStringList out;
    const std::optional<RunRecord> run = RunStore(db).findById(runId);
    if (run && run->isActive())
        out.append(u"the run is %1: cancel it first (mldesk-cli run cancel %2), or wait for it to end"_s.arg(
            runStateName(run->state), run->uid));
    out += listed(db, u"SELECT %1 FROM model_versions mv WHERE mv.run_id = ? ORDER BY mv.id"_s.arg(kModelName), {runId},
                  u"model %1 was registered from it (its lineage): delete that model version first"_s);
    // A sweep's trials are runs of their own (folders, outputs): they go first, each deleted on its own.
    out += listed(db, u"SELECT run_uid FROM runs WHERE parent_run_id = ? ORDER BY id"_s, {runId},
                  u"run %1 is a trial of this sweep: delete that run first"_s);
    return out;
}

QStringList WorkspaceDeleter::modelRefusal(qint64 versionId) const
{
    // Archiving comes first (issue 6): an archived version is out of every default list, so nothing picks it up
    // as the latest while it goes.
    Database &db = m_workspace.database();
    QStringList served = listed(db, u"SELECT name FROM endpoints WHERE model_version_id = ? ORDER BY id"_s, {versionId},
                                u"endpoint %1 serves it: delete that endpoint first (mldesk-cli endpoint delete %1)"_s);
    if (!served.isEmpty())
        return served;
    if (db.scalar(u"SELECT archived FROM model_versions WHERE id = ?"_s, {versionId}).toInt() != 0)
        return {};
    const QString name =
        db.scalar(u"SELECT %1 FROM model_versions mv WHERE mv.id = ?"_s.arg(kModelName), {versionId}).toString();
    return {u"model %1 is not archived: archive it first (mldesk-cli model archive %1), so nothing picks it up as "
            u"the latest, then delete it"_s.arg(name)};
}

QStringList WorkspaceDeleter::datasetRefusal(qint64 versionId) const
{
    Database &db = m_workspace.database();
    QStringList out = listed(db,
                             u"SELECT r.run_uid FROM run_dataset_inputs i JOIN runs r ON r.id = i.run_id"
                             u" WHERE i.dataset_version_id = ? ORDER BY r.id"_s,
                             {versionId}, u"run %1 used it as an input: delete that run first"_s);
    out += listed(db,
                  u"SELECT %1 FROM model_version_datasets d JOIN model_versions mv ON mv.id = d.model_version_id"
                  u" WHERE d.dataset_version_id = ? ORDER BY mv.id"_s.arg(kModelName),
                  {versionId}, u"model %1 names it in its lineage: delete that model version first"_s);
    return out;
}

QStringList WorkspaceDeleter::environmentRefusal(qint64 versionId) const
{
    Database &db = m_workspace.database();
    QStringList out = listed(db, u"SELECT run_uid FROM runs WHERE environment_version_id = ? ORDER BY id"_s,
                             {versionId}, u"run %1 ran in it: delete that run first"_s);
    out += listed(
        db, u"SELECT %1 FROM model_versions mv WHERE mv.environment_version_id = ? ORDER BY mv.id"_s.arg(kModelName),
        {versionId}, u"model %1 names it in its lineage: delete that model version first"_s);
    return out;
}

void WorkspaceDeleter::addFreedBlobs(DeletionPlan &plan) const
{
    BlobOwner owner;
    owner.id = plan.id;
    if (plan.kind == DeletionPlan::Kind::Run)
        owner.kind = BlobOwner::Kind::Run;
    else if (plan.kind == DeletionPlan::Kind::DatasetVersion)
        owner.kind = BlobOwner::Kind::DatasetVersion;
    else if (plan.kind == DeletionPlan::Kind::ModelVersion)
        owner.kind = BlobOwner::Kind::ModelVersion;
    else
        return;
    plan.freedBlobs = int(WorkspaceGc(m_workspace).exclusiveBlobs(owner, &plan.freedBytes).size());
    if (plan.freedBlobs > 0)
        plan.goes.append(
            u"%1 stored file(s) (%2) nothing else uses, freed by the next workspace gc"_s.arg(plan.freedBlobs)
                .arg(human(plan.freedBytes)));
}

DeletionPlan WorkspaceDeleter::planRun(const QString &uid) const
{
    Database &db = m_workspace.database();
    const RunRecord run = RunStore(db).get(uid);
    DeletionPlan plan;
    plan.kind = DeletionPlan::Kind::Run;
    plan.id = run.id;
    plan.what = u"run %1"_s.arg(run.uid);
    const qint64 points =
        db.scalar(u"SELECT COALESCE(SUM(point_count), 0) FROM run_metric_chunks WHERE run_id = ?"_s, {run.id})
            .toLongLong();
    plan.goes.append(u"run %1 (%2, experiment %3) with its %4 metric point(s), history and tags"_s
                         .arg(run.uid, runStateName(run.state), run.experiment)
                         .arg(points));
    // Only a folder inside this workspace's runs/ is removed; a Slurm run's folder on a cluster's shared
    // file system stays (it is listed so the user knows).
    const QString runs = QDir::cleanPath(m_workspace.runsPath()) + u'/';
    const QString folder = QDir::cleanPath(run.runDir);
    if (!run.runDir.isEmpty() && QFileInfo(folder).isDir()) {
        if (folder.startsWith(runs)) {
            plan.folder = folder;
            qint64 bytes = 0;
            int files = 0;
            QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                bytes += QFileInfo(it.next()).size();
                ++files;
            }
            plan.goes.append(u"its folder %1 (%2 file(s), %3)"_s.arg(folder).arg(files).arg(human(bytes)));
        } else {
            plan.goes.append(u"(its folder %1 is outside the workspace and stays)"_s.arg(folder));
        }
    }
    addFreedBlobs(plan);
    plan.refusal = runRefusal(run.id);
    return plan;
}

DeletionPlan WorkspaceDeleter::planDatasetVersion(const QString &nameAndVersion) const
{
    requireVersion(nameAndVersion, u"dataset"_s);
    const DatasetVersion v = DatasetRegistry(m_workspace.database()).resolve(nameAndVersion);
    DeletionPlan plan;
    plan.kind = DeletionPlan::Kind::DatasetVersion;
    plan.id = v.id;
    plan.what = u"dataset %1:%2"_s.arg(v.name).arg(v.version);
    plan.goes.append(u"dataset version %1:%2 (%3 file(s), %4) and its tags"_s.arg(v.name)
                         .arg(v.version)
                         .arg(v.fileCount)
                         .arg(human(v.totalBytes)));
    addFreedBlobs(plan);
    plan.refusal = datasetRefusal(v.id);
    return plan;
}

DeletionPlan WorkspaceDeleter::planModelVersion(const QString &nameAndVersion) const
{
    const ModelVersion v =
        ModelRegistry(m_workspace.database(), m_workspace.blobs()).resolve(nameAndVersion, /*requireVersion=*/true);
    DeletionPlan plan;
    plan.kind = DeletionPlan::Kind::ModelVersion;
    plan.id = v.id;
    plan.what = u"model %1"_s.arg(v.qualifiedName());
    plan.goes.append(
        u"model version %1 (%2 file(s)), its tags and lineage (its number is not reused)"_s.arg(v.qualifiedName())
            .arg(v.files.size()));
    addFreedBlobs(plan);
    plan.refusal = modelRefusal(v.id);
    return plan;
}

DeletionPlan WorkspaceDeleter::planEnvironmentVersion(const QString &nameAndVersion) const
{
    requireVersion(nameAndVersion, u"environment"_s);
    const EnvironmentVersion v = EnvironmentRegistry(m_workspace.database()).resolve(nameAndVersion);
    DeletionPlan plan;
    plan.kind = DeletionPlan::Kind::EnvironmentVersion;
    plan.id = v.id;
    plan.what = u"environment %1:%2"_s.arg(v.name).arg(v.version);
    plan.goes.append(u"environment version %1:%2"_s.arg(v.name).arg(v.version));
    if (v.name == EnvironmentRegistry::nativeName() || v.name == EnvironmentRegistry::systemPythonName())
        plan.refusal.append(u"%1 is a curated environment every workspace has; it cannot be deleted"_s.arg(v.name));
    plan.refusal += environmentRefusal(v.id);
    return plan;
}

DeletionPlan WorkspaceDeleter::replan(const DeletionPlan &plan) const
{
    DeletionPlan now = plan;
    now.refusal.clear();
    switch (plan.kind) {
    case DeletionPlan::Kind::Run:
        now.refusal = runRefusal(plan.id);
        break;
    case DeletionPlan::Kind::DatasetVersion:
        now.refusal = datasetRefusal(plan.id);
        break;
    case DeletionPlan::Kind::ModelVersion:
        now.refusal = modelRefusal(plan.id);
        break;
    case DeletionPlan::Kind::EnvironmentVersion:
        now.refusal = plan.refusal.isEmpty() ? environmentRefusal(plan.id) : plan.refusal;
        break;
    }
    return now;
}

void WorkspaceDeleter::execute(const DeletionPlan &plan)
{
    Database &db = m_workspace.database();
    if (!plan.allowed())
        throw WorkspaceError(u"%1 cannot be deleted: %2"_s.arg(plan.what, plan.refusal.join(u"; "_s)));
    db.writeTransaction([&] {
        // Checked again under the write lock: another process may have started using it since the plan.
        const DeletionPlan now = replan(plan);
        if (!now.allowed())
            throw WorkspaceError(u"%1 cannot be deleted now: %2"_s.arg(plan.what, now.refusal.join(u"; "_s)));
        switch (plan.kind) {
        case DeletionPlan::Kind::Run:
            db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ?"_s,
                    {RunStore::tagEntityKind(), plan.id});
            db.exec(u"DELETE FROM runs WHERE id = ?"_s, {plan.id}); // metrics, history, inputs, offsets cascade
            break;
        case DeletionPlan::Kind::DatasetVersion: {
            const QVariant dataset = db.scalar(u"SELECT dataset_id FROM dataset_versions WHERE id = ?"_s, {plan.id});
            db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ?"_s,
                    {DatasetRegistry::tagEntityKind(), plan.id});
            db.exec(u"DELETE FROM dataset_versions WHERE id = ?"_s, {plan.id}); // its files cascade
            db.exec(u"DELETE FROM datasets WHERE id = ? AND NOT EXISTS"
                    u" (SELECT 1 FROM dataset_versions WHERE dataset_id = datasets.id)"_s,
                    {dataset});
            break;
        }
        case DeletionPlan::Kind::ModelVersion:
            // The model's row stays: it holds last_version, so a deleted version's number is never given again.
            db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ?"_s,
                    {ModelRegistry::tagEntityKind(), plan.id});
            db.exec(u"DELETE FROM model_versions WHERE id = ?"_s, {plan.id}); // its dataset lineage cascades
            break;
        case DeletionPlan::Kind::EnvironmentVersion: {
            const QVariant env =
                db.scalar(u"SELECT environment_id FROM environment_versions WHERE id = ?"_s, {plan.id});
            db.exec(u"DELETE FROM environment_versions WHERE id = ?"_s, {plan.id});
            db.exec(u"DELETE FROM environments WHERE id = ? AND NOT EXISTS"
                    u" (SELECT 1 FROM environment_versions WHERE environment_id = environments.id)"_s,
                    {env});
            break;
        }
        }
    });
    if (!plan.folder.isEmpty() && !QDir(plan.folder).removeRecursively())
        throw WorkspaceError(u"%1 is deleted, but its folder %2 could not be removed entirely: remove it by hand"_s.arg(
            plan.what, plan.folder));
}

} // namespace mldesk::core
