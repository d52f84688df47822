// RunSnapshot: lists the snapshot folder and shows a file read-only.
#include "ui/runs/RunSnapshot.h"

#include "ui/models/TableModel.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mldesk::ui {

RunSnapshot::RunSnapshot(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runSnapshot"));
    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("snapshotList"));
    m_list->setHeaderLabels({tr("File"), tr("Size")});
    m_list->setRootIsDecorated(false);
    m_list->header()->resizeSection(0, 240);
    m_viewer = new QPlainTextEdit;
    m_viewer->setObjectName(QStringLiteral("snapshotViewer"));
    m_viewer->setReadOnly(true);
    m_viewer->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_viewer->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_info = new QLabel;
    m_info->setObjectName(QStringLiteral("snapshotInfo"));
    m_info->setForegroundRole(QPalette::PlaceholderText);
    m_info->setWordWrap(true);

    auto *viewerBox = new QWidget;
    auto *viewerLayout = new QVBoxLayout(viewerBox);
    viewerLayout->setContentsMargins(0, 0, 0, 0);
    viewerLayout->addWidget(m_info);
    viewerLayout->addWidget(m_viewer, 1);
    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_list);
    split->addWidget(viewerBox);
    split->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(split);
    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item)
            open(item->data(0, Qt::UserRole).toString());
    });
}

void RunSnapshot::setFolder(const QString &snapshotFolder)
{
    if (snapshotFolder == m_folder && m_list->topLevelItemCount() > 0)
        return;
    m_folder = snapshotFolder;
    m_list->clear();
    m_viewer->clear();
    QStringList paths;
    const QDir root(snapshotFolder);
    QDirIterator it(snapshotFolder, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext())
        paths.append(root.relativeFilePath(it.next()));
    paths.sort();
    for (const QString &path : std::as_const(paths)) {
        auto *item = new QTreeWidgetItem(m_list);
        item->setText(0, path);
        item->setData(0, Qt::UserRole, path);
        item->setText(1, TableModel::formatBytes(QFileInfo(root.filePath(path)).size()));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
    if (paths.isEmpty()) {
        m_info->setText(snapshotFolder.isEmpty() || !root.exists()
                            ? tr("This run has no snapshot folder (it was removed or the run came from elsewhere).")
                            : tr("The source folder was empty (or everything in it was ignored)."));
    } else {
        m_info->setText(
            tr("%n file(s) taken from the source folder at submission; read-only.", nullptr, int(paths.size())));
        m_list->setCurrentItem(m_list->topLevelItem(0));
    }
}

QStringList RunSnapshot::files() const
{
    QStringList list;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        list.append(m_list->topLevelItem(i)->data(0, Qt::UserRole).toString());
    return list;
}

bool RunSnapshot::open(const QString &relativePath)
{
    QFile file(QDir(m_folder).filePath(relativePath));
    if (!file.open(QIODevice::ReadOnly)) {
        m_viewer->setPlainText(tr("Cannot read %1: %2").arg(relativePath, file.errorString()));
        return false;
    }
    if (file.size() > kMaxShownBytes) {
        m_viewer->setPlainText(tr("%1 is %2; files over %3 are not shown here. Its copy is at %4")
                                   .arg(relativePath, TableModel::formatBytes(file.size()),
                                        TableModel::formatBytes(kMaxShownBytes),
                                        QDir::toNativeSeparators(file.fileName())));
        return true;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.contains('\0')) {
        m_viewer->setPlainText(
            tr("%1 is a binary file (%2).").arg(relativePath, TableModel::formatBytes(bytes.size())));
        return true;
    }
    m_viewer->setPlainText(QString::fromUtf8(bytes));
    return true;
}

QString RunSnapshot::viewerText() const
{
    return m_viewer->toPlainText();
}

} // namespace mldesk::ui
