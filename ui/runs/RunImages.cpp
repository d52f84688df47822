// RunImages: thumbnails of the logged images.
#include "ui/runs/RunImages.h"

#include <QDir>
#include <QFutureWatcher>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QThreadPool>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace mldesk::ui {

RunImages::RunImages(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runImages"));
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("imagesList"));
    m_list->setViewMode(QListView::IconMode);
    m_list->setIconSize(QSize(220, 220));
    m_list->setGridSize(QSize(240, 260));
    m_list->setResizeMode(QListView::Adjust);
    m_list->setMovement(QListView::Static);
    m_list->setWordWrap(true);
    m_empty = new QLabel(tr("No images logged. A script logs one with run.log_image(name, path=...) or plot=."));
    m_empty->setObjectName(QStringLiteral("imagesEmpty"));
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(m_empty);
    layout->addWidget(m_list, 1);
}

int RunImages::count() const
{
    return m_list->count();
}

void RunImages::addPoints(const QList<core::MetricPoint> &points)
{
    for (const core::MetricPoint &p : points) {
        if (p.text.isEmpty() || !std::isnan(p.value))
            continue;
        const QString key = p.name + u'\n' + QString::number(p.step) + u'\n' + p.text;
        if (m_seen.contains(key))
            continue;
        m_seen.insert(key);
        const QString path = QDir(m_runDir).filePath(p.text);
        auto *item = new QListWidgetItem(m_list);
        item->setText(tr("%1 (step %2)").arg(p.name).arg(p.step));
        item->setData(Qt::UserRole, path);
        struct Read {
            QImage image;
            QSize size;
            QString error;
        };
        auto *watcher = new QFutureWatcher<Read>(this); // a child: no answer after the tab is gone
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, item, path] {
            watcher->deleteLater();
            const Read read = watcher->result();
            showImage(item, path, read.image, read.size, read.error);
        });
        // A pool of its own, not the global one: Qt's raster painting waits for the global pool's threads.
        static QThreadPool readers;
        watcher->setFuture(QtConcurrent::run(&readers, [path] {
            QImageReader reader(path);
            reader.setAutoTransform(true);
            Read read;
            read.size = reader.size();
            if (read.size.isValid() && (read.size.width() > 440 || read.size.height() > 440))
                reader.setScaledSize(read.size.scaled(440, 440, Qt::KeepAspectRatio));
            read.image = reader.read();
            if (read.image.isNull())
                read.error = reader.errorString();
            return read;
        }));
    }
    m_empty->setVisible(m_list->count() == 0);
}

void RunImages::showImage(QListWidgetItem *item, const QString &path, const QImage &image, const QSize &size,
                          const QString &error)
{
    if (image.isNull()) {
        item->setToolTip(tr("%1: %2").arg(QDir::toNativeSeparators(path), error));
        item->setText(item->text() + QStringLiteral("\n") + tr("(cannot be read)"));
        return;
    }
    item->setIcon(QIcon(QPixmap::fromImage(image)));
    item->setToolTip(
        QStringLiteral("%1\n%2 \u00d7 %3").arg(QDir::toNativeSeparators(path)).arg(size.width()).arg(size.height()));
}

} // namespace mldesk::ui
