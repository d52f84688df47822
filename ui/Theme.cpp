// Theme: Fusion with a light or dark palette, or the platform's own style and palette.
#include "ui/Theme.h"

#include <QAbstractAxis>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QStyle>
#include <QStyleFactory>

namespace mldesk::ui::Theme {

namespace {

struct Initial {
    QString style;
    QPalette palette;
};

// What the platform gave before any theme was applied: "system" goes back to it.
Initial &initial()
{
    static Initial given{QApplication::style() ? QApplication::style()->name() : QString(), QApplication::palette()};
    return given;
}

QString &currentName()
{
    static QString name = QStringLiteral("system");
    return name;
}

} // namespace

QStringList names()
{
    return {QStringLiteral("system"), QStringLiteral("light"), QStringLiteral("dark")};
}

QPalette darkPalette()
{
    // Contrast checked on the screenshots: text #e6e6e6 on the #262626 base is ~13:1; links and highlight stay blue.
    const QColor window(0x333333), base(0x262626), alternate(0x2e2e2e), text(0xe6e6e6), disabled(0x8a8a8a);
    QPalette p;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, alternate);
    p.setColor(QPalette::ToolTipBase, QColor(0x3c3c3c));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a9a9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x3a3a3a));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff6b6b));
    p.setColor(QPalette::Light, QColor(0x4a4a4a));
    p.setColor(QPalette::Midlight, QColor(0x404040));
    p.setColor(QPalette::Mid, QColor(0x2a2a2a));
    p.setColor(QPalette::Dark, QColor(0x1e1e1e));
    p.setColor(QPalette::Shadow, QColor(0x141414));
    p.setColor(QPalette::Highlight, QColor(0x2f6fd1));
    p.setColor(QPalette::HighlightedText, QColor(0xffffff));
    p.setColor(QPalette::Link, QColor(0x6ea8fe));
    p.setColor(QPalette::LinkVisited, QColor(0xb197fc));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x4a4a4a));
    return p;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

void apply(const QString &name)
{
    const Initial &given = initial();
    const QString theme = names().contains(name) ? name : QStringLiteral("system");
    currentName() = theme;
    if (theme == QStringLiteral("system")) {
        if (!given.style.isEmpty())
            QApplication::setStyle(given.style);
        QApplication::setPalette(given.palette);
        return;
    }
    QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion"));
    QApplication::setStyle(fusion);
    QApplication::setPalette(theme == QStringLiteral("dark") ? darkPalette() : fusion->standardPalette());
}

void styleChart(QChartView *view)
{
    QChart *chart = view->chart();
    const QPalette p = view->palette();
    const QColor text = p.color(QPalette::Text);
    QColor grid = text;
    grid.setAlpha(40);
    chart->setBackgroundBrush(p.base());
    chart->setBackgroundRoundness(0);
    view->setBackgroundBrush(p.base());
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(p.color(QPalette::Mid));
    }
}

QString current()
{
    return currentName();
}

} // namespace mldesk::ui::Theme
