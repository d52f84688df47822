// RegisterDatasetDialog: "Register dataset..." - name, description, tags and a list of URLs, files and folders
// (drag and drop onto the list). Registration runs in the background (core DatasetRegistrationJob) with a
// progress bar per file and Cancel; every problem is shown inline, next to what caused it.
#pragma once

#include "core/datasets/DatasetRegistrationJob.h"

#include <QDialog>
#include <QHash>

#include <functional>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace mldesk::ui {

class ActivityList;

class RegisterDatasetDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegisterDatasetDialog)

public:
    using FileChooser = std::function<QStringList(QWidget *parent, bool folders)>;

    RegisterDatasetDialog(const QString &workspacePath, ActivityList *activities = nullptr, QWidget *parent = nullptr);
    ~RegisterDatasetDialog() override;

    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }
    // Test seam: the HTTP client the job uses (null: cpprestsdk) and its options.
    void setHttp(std::shared_ptr<core::HttpClient> http, const core::HttpOptions &options);

    void addSources(const QStringList &sources);
    QStringList sources() const;
    QString errorText() const;
    bool isRegistering() const { return m_job != nullptr; }

    // Parses "key=value, key2=value2"; *error names the bad entry.
    static QMap<QString, QString> parseTags(const QString &text, QString *error);

signals:
    void registered(const QString &name, int version, bool unchanged);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void reject() override;

private:
    void startRegistration();
    void onProgress(const core::DatasetRegistrationProgress &progress);
    void finishJob();
    void showError(const QString &message);
    void setEditable(bool editable);
    QString validate() const;

    QString m_workspacePath;
    ActivityList *m_activities = nullptr;
    FileChooser m_chooser;
    std::shared_ptr<core::HttpClient> m_http;
    core::HttpOptions m_httpOptions;
    bool m_haveHttpOptions = false;

    QLineEdit *m_name = nullptr;
    QPlainTextEdit *m_description = nullptr;
    QLineEdit *m_tags = nullptr;
    QListWidget *m_sources = nullptr;
    QLineEdit *m_url = nullptr;
    QCheckBox *m_newVersion = nullptr;
    QLabel *m_error = nullptr;
    QTableWidget *m_progress = nullptr;
    QPushButton *m_register = nullptr;
    QPushButton *m_cancel = nullptr;
    QList<QWidget *> m_editors;

    core::DatasetRegistrationJob *m_job = nullptr;
    int m_activity = 0;
    QHash<QString, int> m_progressRow; // file -> row of m_progress
};

} // namespace mldesk::ui
