// ParallelCoordinatesView: hyperparameters -> primary metric of a sweep's trials, one vertical axis each and one
// polyline per trial; the best trial drawn on top in the accent colour. Dragging along an axis brushes a range
// (a click without a drag clears that axis); trials outside any brush are greyed and accepts() says no, so a
// filter model can hide them from the trials table.
#pragma once

#include <QHash>
#include <QPair>
#include <QPoint>
#include <QWidget>

#include <optional>

namespace mldesk::core {
class SweepTrialsModel;
}

namespace mldesk::ui {

class ParallelCoordinatesView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ParallelCoordinatesView)

public:
    explicit ParallelCoordinatesView(core::SweepTrialsModel *model, QWidget *parent = nullptr);

    bool accepts(int row) const;
    void clearBrushes();
    // Test seams: where an axis value is drawn, and the brushed range of an axis in data units.
    QPoint pointFor(int axis, double value) const;
    std::optional<QPair<double, double>> brush(int axis) const;
    QSize sizeHint() const override { return {640, 260}; }

signals:
    void brushChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QPair<double, double> range(int axis) const; // min, max over the trials (padded when flat)
    int axisX(int axis) const;
    int axisAt(int x) const; // -1: none within reach
    double valueAt(int axis, int y) const;
    int top() const { return 28; }
    int bottom() const { return height() - 20; }

    core::SweepTrialsModel *m_model;
    QHash<int, QPair<double, double>> m_brushes; // axis -> [low, high]
    int m_dragAxis = -1;
    int m_dragFromY = 0;
    int m_dragToY = 0;
};

} // namespace mldesk::ui
