// DatasetRegistrationJob: registers a dataset version from http(s) URLs, local files and folders (CONVENTIONS 6:
// params in, result out, atomic cancel, progress/succeeded/failed). Downloads stream to temporary files, every file
// is hashed, blobs are stored only once everything was fetched, and the version is committed in one transaction;
// a failure or cancel leaves no version and removes the blobs this registration added.
#pragma once

#include "core/datasets/DatasetRegistry.h"
#include "core/http/HttpClient.h"

#include <QFuture>
#include <QMap>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;

namespace mldesk::core {

struct DatasetRegistrationParams {
    QString workspacePath; // the job opens the workspace itself, on its worker thread
    QString name;
    QStringList sources; // http(s)/file URLs, files, folders (a folder's files keep their paths inside it)
    QString description;
    QMap<QString, QString> tags;
    bool createNewVersion = false;
    HttpOptions http;
};

struct DatasetRegistrationProgress {
    enum class Phase { Downloading, Hashing, Storing };
    Phase phase = Phase::Downloading;
    QString file;      // the relative path being worked on
    int fileIndex = 0; // 1-based
    int fileCount = 0;
    qint64 bytes = 0;  // of this file so far
    qint64 total = -1; // of this file; -1 while unknown
    double bytesPerSecond = 0;
};

struct DatasetRegistrationResult {
    DatasetVersion version;
    bool unchanged = false;
};

class DatasetRegistrationJob final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatasetRegistrationJob)
public:
    // http may be null: the cpprestsdk client is used.
    explicit DatasetRegistrationJob(DatasetRegistrationParams params, std::shared_ptr<HttpClient> http = {},
                                    QObject *parent = nullptr);
    ~DatasetRegistrationJob() override;

    const DatasetRegistrationParams &params() const { return m_params; }
    // Runs on pool (QThreadPool::globalInstance() when null); signals arrive on this object's thread.
    void start(QThreadPool *pool = nullptr);
    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }

    // The work itself, synchronous, on the calling thread (which must not hold the workspace's Database).
    // Throws WorkspaceError with a message for the user; canceling throws too ("registration ... canceled").
    static DatasetRegistrationResult execute(const DatasetRegistrationParams &params, HttpClient &http,
                                             const std::function<void(const DatasetRegistrationProgress &)> &progress,
                                             const std::atomic_bool &cancel);

signals:
    void progress(const mldesk::core::DatasetRegistrationProgress &progress);
    void succeeded(const mldesk::core::DatasetRegistrationResult &result);
    void failed(const QString &message);

private:
    DatasetRegistrationParams m_params;
    std::shared_ptr<HttpClient> m_http;
    std::atomic_bool m_cancel{false};
    std::atomic_bool m_running{false};
    QFuture<void> m_future; // the destructor cancels and waits for it, so the worker never outlives the job
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::DatasetRegistrationProgress)
Q_DECLARE_METATYPE(mldesk::core::DatasetRegistrationResult)
