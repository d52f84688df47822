// WorkspacePicker: the dialog that opens or creates a workspace (recent list, open a folder, create a new one).
// It opens the workspace itself, so errors from core appear in the dialog; the caller takes the result.
#pragma once

#include <QDialog>
#include <QString>

#include <functional>
#include <memory>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class WorkspacePicker final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspacePicker)

public:
    // Asks the user for a folder; returns "" when cancelled. The default is QFileDialog::getExistingDirectory;
    // tests put in a function that answers at once (CONVENTIONS 13).
    using FolderChooser = std::function<QString(QWidget *parent, const QString &caption, const QString &start)>;

    explicit WorkspacePicker(QWidget *parent = nullptr);
    ~WorkspacePicker() override;

    void setFolderChooser(FolderChooser chooser);
    // Re-reads the recent workspaces from core::Settings.
    void reloadRecent();
    // Shows message in the dialog's error area (also used by the caller when a workspace failed to open on start).
    void showError(const QString &message);
    QString errorText() const;
    // Prefills the folder fields, e.g. with a --workspace path that could not be opened.
    void setSuggestedFolder(const QString &folder);
    // The workspace opened or created when the dialog was accepted; nullptr before.
    std::unique_ptr<core::Workspace> takeWorkspace();

private:
    void openTyped();
    void openRecent(QListWidgetItem *item);
    void removeRecent();
    void createNew();
    void browseInto(QLineEdit *edit, const QString &caption);
    void updateButtons();
    void clearError();
    // Runs open/create; on WorkspaceError shows the message and returns false.
    bool adopt(const std::function<std::unique_ptr<core::Workspace>()> &make);
    // The problem with the "create" fields, "" when they are fine.
    QString createProblem() const;

    FolderChooser m_chooser;
    std::unique_ptr<core::Workspace> m_workspace;
    QListWidget *m_recent = nullptr;
    QPushButton *m_openRecent = nullptr;
    QPushButton *m_removeRecent = nullptr;
    QLineEdit *m_openPath = nullptr;
    QPushButton *m_openButton = nullptr;
    QLineEdit *m_createPath = nullptr;
    QLineEdit *m_createName = nullptr;
    QLabel *m_createHint = nullptr;
    QPushButton *m_createButton = nullptr;
    QLabel *m_error = nullptr;
};

// "~/x" and relative paths made absolute and clean; "" stays "".
QString normalizeFolder(const QString &typed);

} // namespace mldesk::ui
