// ModelLineage: read-only lineage queries across models, runs, experiments, environments and datasets.
#include "core/models/ModelLineage.h"

#include "core/models/ModelRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

ModelLineageInfo ModelLineage::of(const ModelVersion &version) const
{
    ModelLineageInfo info;
    QSqlQuery q = m_db.exec(u"SELECT r.run_uid, r.state, e.name, c.name, env.name, ev.version FROM model_versions mv "
                            u"LEFT JOIN runs r ON r.id = mv.run_id "
                            u"LEFT JOIN experiments e ON e.id = r.experiment_id "
                            u"LEFT JOIN compute_targets c ON c.id = r.compute_target_id "
                            u"LEFT JOIN environment_versions ev ON ev.id = mv.environment_version_id "
                            u"LEFT JOIN environments env ON env.id = ev.environment_id WHERE mv.id = ?"_s,
                            {version.id});
    if (q.next()) {
        info.runUid = q.value(0).toString();
        info.runState = q.value(1).toString();
        info.experiment = q.value(2).toString();
        info.computeTarget = q.value(3).toString();
        if (!q.value(4).isNull())
            info.environment = q.value(4).toString() + u':' + q.value(5).toString();
    }
    q.finish();
    QSqlQuery d = m_db.exec(u"SELECT d.name, dv.version FROM model_version_datasets mvd "
                            u"JOIN dataset_versions dv ON dv.id = mvd.dataset_version_id "
                            u"JOIN datasets d ON d.id = dv.dataset_id WHERE mvd.model_version_id = ? "
                            u"ORDER BY d.name, dv.version"_s,
                            {version.id});
    while (d.next())
        info.datasets.append(d.value(0).toString() + u':' + d.value(1).toString());
    if (version.runId) {
        QSqlQuery m = m_db.exec(
            u"SELECT name, value FROM run_metric_latest WHERE run_id = ? AND value IS NOT NULL ORDER BY name"_s,
            {version.runId});
        while (m.next())
            info.metrics.insert(m.value(0).toString(), m.value(1).toDouble());
    }
    return info;
}

QStringList ModelLineage::modelsFromRun(const QString &runUid) const
{
    const QVariant runId = m_db.scalar(u"SELECT id FROM runs WHERE run_uid = ?"_s, {runUid});
    if (!runId.isValid())
        throw WorkspaceError(u"there is no run '%1'; list the runs with: mldesk-cli run list"_s.arg(runUid));
    QStringList result;
    QSqlQuery q = m_db.exec(u"SELECT m.name, mv.version FROM model_versions mv JOIN models m ON m.id = mv.model_id "
                            u"WHERE mv.run_id = ? ORDER BY mv.created_at, mv.id"_s,
                            {runId});
    while (q.next())
        result.append(q.value(0).toString() + u':' + q.value(1).toString());
    return result;
}

qint64 ModelLineage::datasetVersionId(const QString &datasetName, int version) const
{
    const QVariant id = m_db.scalar(u"SELECT dv.id FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id "
                                    u"WHERE d.name = ? AND dv.version = ?"_s,
                                    {datasetName, version});
    if (!id.isValid())
        throw WorkspaceError(u"there is no dataset version %1:%2; list them with: mldesk-cli dataset list"_s.arg(
            datasetName, QString::number(version)));
    return id.toLongLong();
}

QStringList ModelLineage::runsConsumingDataset(const QString &datasetName, int version) const
{
    const qint64 id = datasetVersionId(datasetName, version);
    QStringList result;
    QSqlQuery q = m_db.exec(u"SELECT r.run_uid FROM run_dataset_inputs i JOIN runs r ON r.id = i.run_id "
                            u"WHERE i.dataset_version_id = ? ORDER BY r.created_at, r.id"_s,
                            {id});
    while (q.next())
        result.append(q.value(0).toString());
    return result;
}

QStringList ModelLineage::modelsFromDataset(const QString &datasetName, int version) const
{
    const qint64 id = datasetVersionId(datasetName, version);
    QStringList result;
    QSqlQuery q = m_db.exec(u"SELECT m.name, mv.version FROM model_version_datasets mvd "
                            u"JOIN model_versions mv ON mv.id = mvd.model_version_id "
                            u"JOIN models m ON m.id = mv.model_id WHERE mvd.dataset_version_id = ? "
                            u"ORDER BY m.name, mv.version"_s,
                            {id});
    while (q.next())
        result.append(q.value(0).toString() + u':' + q.value(1).toString());
    return result;
}

} // namespace mldesk::core
