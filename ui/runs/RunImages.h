// RunImages: a run's Images tab - the images the job logged (run.log_image: a metrics line of type "image" whose
// path, relative to the run directory, names a file under outputs/), as thumbnails with their name and step. The
// files are read and scaled on a worker thread (issue 12); an image's item shows its name at once, its thumbnail
// when the worker has it.
#pragma once

#include "core/runs/RunTypes.h"

#include <QSet>
#include <QWidget>

class QImage;
class QLabel;
class QListWidgetItem;
class QListWidget;

namespace mldesk::ui {

class RunImages final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunImages)

public:
    explicit RunImages(QWidget *parent = nullptr);
    void setRunDir(const QString &runDir) { m_runDir = runDir; }
    // Takes the image entries of points (text set, value NaN); others are ignored.
    void addPoints(const QList<core::MetricPoint> &points);
    int count() const;
    QListWidget *list() const { return m_list; }

private:
    void showImage(QListWidgetItem *item, const QString &path, const QImage &image, const QSize &size,
                   const QString &error);

    QString m_runDir;
    QSet<QString> m_seen; // name/step/path already shown
    QListWidget *m_list = nullptr;
    QLabel *m_empty = nullptr;
};

} // namespace mldesk::ui
