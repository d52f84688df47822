// ModelLineage: where a model version came from and what came from a run or dataset - a version records its run,
// and through it the experiment, environment version, compute target and dataset versions; a run lists the models
// registered from it; a dataset version lists the runs that consumed it (and the models built on it).
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class Database;
struct ModelVersion;

struct ModelLineageInfo {
    QString runUid; // empty: registered from local files (or the run was deleted)
    QString runState;
    QString experiment;
    QString environment; // "name:version"; empty when unknown
    QString computeTarget;
    QStringList datasets;          // "name:version", sorted
    QMap<QString, double> metrics; // the run's scalar metrics, final value each
};

class ModelLineage final {
public:
    explicit ModelLineage(Database &db) : m_db(db) {}

    ModelLineageInfo of(const ModelVersion &version) const;
    // "name:version" of every model version registered from the run, oldest first. Throws WorkspaceError for an
    // unknown run.
    QStringList modelsFromRun(const QString &runUid) const;
    // Run ids of the runs that consumed the dataset version, oldest first. Throws WorkspaceError when there is no
    // such dataset version.
    QStringList runsConsumingDataset(const QString &datasetName, int version) const;
    // "name:version" of the model versions whose lineage includes the dataset version.
    QStringList modelsFromDataset(const QString &datasetName, int version) const;

private:
    qint64 datasetVersionId(const QString &datasetName, int version) const;

    Database &m_db;
};

} // namespace mldesk::core
