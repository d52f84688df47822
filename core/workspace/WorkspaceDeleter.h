// WorkspaceDeleter: deleting a run, a dataset version, a model version or an environment version. A plan lists
// what goes (rows, the run's folder, the blobs only it named - freed by workspace gc) and what refuses it (an
// active run; a model's lineage or a run that needs the version; a model version not archived first), so the CLI and
// the GUI ask once with the same words. execute() checks the blockers again inside the write transaction: nothing still
// referenced is lost.
#pragma once

#include <QString>
#include <QStringList>

namespace mldesk::core {

class Workspace;

struct DeletionPlan {
    enum class Kind { Run, DatasetVersion, ModelVersion, EnvironmentVersion };
    Kind kind = Kind::Run;
    qint64 id = 0;       // runs.id, dataset_versions.id, model_versions.id, environment_versions.id
    QString what;        // "run keras-mnist_17..._ab12", "dataset fashion-mnist:2"
    QStringList goes;    // one line each, for people
    QStringList refusal; // why it cannot go, one line each; empty: it can
    QString folder;      // a run's folder, removed after the rows (empty: none)
    int freedBlobs = 0;  // blobs only it named, left for workspace gc
    qint64 freedBytes = 0;

    bool allowed() const { return refusal.isEmpty(); }
};

class WorkspaceDeleter final {
public:
    explicit WorkspaceDeleter(Workspace &workspace) : m_workspace(workspace) {}

    // Throw WorkspaceError for an unknown run or version (saying which exist); a version must be given.
    DeletionPlan planRun(const QString &uid) const;
    DeletionPlan planDatasetVersion(const QString &nameAndVersion) const;
    DeletionPlan planModelVersion(const QString &nameAndVersion) const;
    DeletionPlan planEnvironmentVersion(const QString &nameAndVersion) const;

    // Deletes what plan names in one transaction, then the run's folder. Throws WorkspaceError, changing
    // nothing, when it is refused now (plan.refusal, or a blocker that appeared since the plan was made).
    void execute(const DeletionPlan &plan);

private:
    DeletionPlan replan(const DeletionPlan &plan) const;
    QStringList runRefusal(qint64 runId) const;
    QStringList modelRefusal(qint64 versionId) const;
    QStringList datasetRefusal(qint64 versionId) const;
    QStringList environmentRefusal(qint64 versionId) const;
    void addFreedBlobs(DeletionPlan &plan) const;

    Workspace &m_workspace;
};

} // namespace mldesk::core
