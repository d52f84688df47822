// RunSnapshot: a run's Snapshot tab - the source files taken at submission (runs/<id>/snapshot/) in a list, and
// the selected one in a read-only viewer (text; binary and very large files are described, not shown).
#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace mldesk::ui {

class RunSnapshot final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunSnapshot)

public:
    static constexpr qint64 kMaxShownBytes = 2 * 1024 * 1024;

    explicit RunSnapshot(QWidget *parent = nullptr);
    void setFolder(const QString &snapshotFolder); // reads the file list
    QStringList files() const;                     // relative paths, sorted
    bool open(const QString &relativePath);        // shows it in the viewer
    QString viewerText() const;

private:
    QString m_folder;
    QTreeWidget *m_list = nullptr;
    QPlainTextEdit *m_viewer = nullptr;
    QLabel *m_info = nullptr;
};

} // namespace mldesk::ui
