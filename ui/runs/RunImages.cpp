// RunImages: thumbnails of the logged images.
#include "ui/runs/RunImages.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QVBoxLayout>

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
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QSize size = reader.size();
        if (size.isValid() && (size.width() > 440 || size.height() > 440))
            reader.setScaledSize(size.scaled(440, 440, Qt::KeepAspectRatio));
        const QImage image = reader.read();
        if (image.isNull()) {
            item->setToolTip(tr("%1: %2").arg(QDir::toNativeSeparators(path), reader.errorString()));
            item->setText(item->text() + QStringLiteral("\n") + tr("(cannot be read)"));
        } else {
            item->setIcon(QIcon(QPixmap::fromImage(image)));
            item->setToolTip(QStringLiteral("%1\n%2 \u00d7 %3")
                                 .arg(QDir::toNativeSeparators(path))
                                 .arg(size.width())
                                 .arg(size.height()));
        }
    }
    m_empty->setVisible(m_list->count() == 0);
}

} // namespace mldesk::ui
