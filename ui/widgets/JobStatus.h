// JobStatus: one background file job (a verified download of a manifest, a model's zip export) shown inline - what
// it does, a progress bar, Cancel, and when done the result with "Open Folder". The job is also listed, with its
// Cancel, in the status bar's activity list. Used by the Models pane and a run's Outputs tab.
#pragma once

#include "core/models/ManifestDownloadJob.h"
#include "core/models/ModelExport.h"

#include <QWidget>

#include <functional>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QThreadPool;

namespace mldesk::ui {

class ActivityList;

class JobStatus final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobStatus)

public:
    // Opens a folder in the platform's file manager (tests record the call instead).
    using FolderOpener = std::function<void(const QString &folder)>;

    explicit JobStatus(QWidget *parent = nullptr);
    ~JobStatus() override; // cancels a running job and waits for it

    void setActivityList(ActivityList *activities) { m_activities = activities; }
    void setFolderOpener(FolderOpener opener) { m_opener = std::move(opener); }

    // Starts job on pool (null: the global pool); false (with a message shown) while another job runs.
    bool runDownload(std::unique_ptr<core::ManifestDownloadJob> job, QThreadPool *pool, const QString &title);
    bool runExport(std::unique_ptr<core::ModelExportJob> job, QThreadPool *pool, const QString &title);
    void cancel();

    bool isRunning() const { return m_job != nullptr; }
    QString message() const;                          // the last result or error
    QString resultFolder() const { return m_folder; } // where the last successful job wrote
    void showMessage(const QString &text, bool error);

signals:
    void finished(bool ok, const QString &message);

private:
    bool begin(QObject *job, const QString &title, std::function<void()> cancel);
    void progress(qint64 done, qint64 total, const QString &file);
    void end(bool ok, const QString &message, const QString &folder);

    ActivityList *m_activities = nullptr;
    FolderOpener m_opener;
    std::unique_ptr<QObject> m_job;
    int m_activity = 0;
    QString m_title;
    QString m_folder;
    QLabel *m_label = nullptr;
    QProgressBar *m_bar = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_close = nullptr;
};

} // namespace mldesk::ui
