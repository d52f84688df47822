// RunColumnChooser: the header menu, the column dialog and the per-experiment column sets.
#include "ui/runs/RunColumnChooser.h"

#include "core/settings/Settings.h"
#include "ui/models/RunsTableModel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace mldesk::ui {

namespace {

using Group = RunsTableModel::Group;

QString groupTitle(Group group)
{
    switch (group) {
    case Group::Run:
        return RunColumnChooser::tr("Run");
    case Group::Hyperparameter:
        return RunColumnChooser::tr("Hyperparameters");
    case Group::Metric:
        return RunColumnChooser::tr("Metrics");
    case Group::Tag:
        return RunColumnChooser::tr("Tags");
    }
    return {};
}

constexpr Group kGroups[] = {Group::Run, Group::Hyperparameter, Group::Metric, Group::Tag};

} // namespace

RunColumnChooser::RunColumnChooser(QTableView *table, RunsTableModel *model, QObject *parent)
    : QObject(parent), m_table(table), m_model(model)
{
    QHeaderView *header = table->horizontalHeader();
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->setSectionsMovable(true);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this, header](const QPoint &pos) {
        QMenu *menu = createMenu(header->logicalIndexAt(pos), header);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(header->viewport()->mapToGlobal(pos));
    });
    // The view's header shows every section again after a reset; new columns get their default or saved state.
    QAbstractItemModel *shown = table->model();
    connect(shown, &QAbstractItemModel::modelReset, this, &RunColumnChooser::apply);
    connect(shown, &QAbstractItemModel::columnsInserted, this, &RunColumnChooser::apply);
    // A width the user gives a column stays with it (by key) through resets, which size every section anew.
    connect(header, &QHeaderView::sectionResized, this, [this](int column, int, int size) {
        if (!m_applying && column < m_model->columnCount())
            m_widths.insert(m_model->columnKey(column), size);
    });
    setExperiment({});
}

bool RunColumnChooser::shownByDefault(const RunsTableModel &model, int column)
{
    switch (model.columnGroup(column)) {
    case Group::Run:
    case Group::Hyperparameter:
        return true;
    case Group::Metric:
        return model.columnKey(column).endsWith(QStringLiteral(":last"));
    case Group::Tag:
        return false;
    }
    return true;
}

void RunColumnChooser::setExperiment(const QString &experiment)
{
    m_experiment = experiment;
    m_choices = core::Settings::runColumns(experiment);
    apply();
}

bool RunColumnChooser::isShown(const QString &key) const
{
    const int column = m_model->columnOf(key);
    if (column < 0)
        return false;
    return m_choices.value(key, shownByDefault(*m_model, column));
}

void RunColumnChooser::setShown(const QString &key, bool shown)
{
    const int column = m_model->columnOf(key);
    if (column < 0)
        return;
    if (shown == shownByDefault(*m_model, column))
        m_choices.remove(key);
    else
        m_choices.insert(key, shown);
    core::Settings::setRunColumns(m_experiment, m_choices);
    m_table->horizontalHeader()->setSectionHidden(column, !shown);
}

void RunColumnChooser::resetToDefaults()
{
    m_choices.clear();
    core::Settings::setRunColumns(m_experiment, m_choices);
    apply();
}

int RunColumnChooser::defaultWidth(int column) const
{
    const QFontMetrics fm = m_table->horizontalHeader()->fontMetrics();
    const int title = fm.horizontalAdvance(m_model->headerData(column, Qt::Horizontal).toString()) + 28;
    switch (column) {
    case RunsTableModel::Experiment:
        return std::max(title, fm.horizontalAdvance(QStringLiteral("keras-mnist")) + 24);
    case RunsTableModel::Name: // the colour swatch, then a name like "keras mlp lr=0.001"
        return std::max(title, fm.horizontalAdvance(QStringLiteral("keras mlp lr=0.0005")) + 44);
    case RunsTableModel::State: // the icon, "Completed" and room for the note's sign
        return std::max(title, fm.horizontalAdvance(QStringLiteral("Completed \u26A0")) + 36);
    case RunsTableModel::Compute:
        return std::max(title, fm.horizontalAdvance(QStringLiteral("local (cpu:0)")) + 16);
    case RunsTableModel::Started:
        return std::max(title, fm.horizontalAdvance(QStringLiteral("2026-12-02 00:00")) + 16);
    case RunsTableModel::Duration:
        return std::max(title, fm.horizontalAdvance(QStringLiteral("59 min 59 s")) + 16);
    case RunsTableModel::Priority:
        return std::max(title, fm.horizontalAdvance(QStringLiteral("-100 (low)")) + 16);
    default:
        break;
    }
    // Hyperparameters, metrics and tags: their title, within reason (the tooltip has the rest).
    return std::clamp(title, fm.horizontalAdvance(QStringLiteral("0.00000")) + 16, 220);
}

void RunColumnChooser::apply()
{
    QHeaderView *header = m_table->horizontalHeader();
    m_applying = true;
    for (int c = 0; c < m_model->columnCount(); ++c) {
        const QString key = m_model->columnKey(c);
        header->setSectionHidden(c, !m_choices.value(key, shownByDefault(*m_model, c)));
        header->resizeSection(c, m_widths.value(key, defaultWidth(c)));
    }
    m_applying = false;
}

QMenu *RunColumnChooser::createMenu(int column, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("runColumnsMenu"));
    if (column >= 0 && column < m_model->columnCount()) {
        const QString key = m_model->columnKey(column);
        const QString title = m_model->headerData(column, Qt::Horizontal).toString();
        QAction *hide =
            menu->addAction(tr("Hide \u201c%1\u201d").arg(title), this, [this, key] { setShown(key, false); });
        hide->setObjectName(QStringLiteral("hideColumnAction"));
        hide->setEnabled(column != RunsTableModel::Name); // a row must still say which run it is
        menu->addSeparator();
    }
    for (Group group : kGroups) {
        QMenu *sub = nullptr;
        for (int c = 0; c < m_model->columnCount(); ++c) {
            if (m_model->columnGroup(c) != group || c == RunsTableModel::Name)
                continue;
            if (!sub)
                sub = menu->addMenu(groupTitle(group));
            const QString key = m_model->columnKey(c);
            QAction *action = sub->addAction(m_model->headerData(c, Qt::Horizontal).toString());
            action->setCheckable(true);
            action->setChecked(isShown(key));
            action->setData(key);
            connect(action, &QAction::toggled, this, [this, key](bool on) { setShown(key, on); });
        }
    }
    menu->addSeparator();
    menu->addAction(tr("Choose Columns\u2026"), this, [this, parent] { openDialog(parent->window()); })
        ->setObjectName(QStringLiteral("chooseColumnsAction"));
    menu->addAction(tr("Default Columns"), this, &RunColumnChooser::resetToDefaults)
        ->setObjectName(QStringLiteral("defaultColumnsAction"));
    return menu;
}

QDialog *RunColumnChooser::openDialog(QWidget *parent)
{
    if (m_dialog) {
        m_dialog->raise();
        m_dialog->activateWindow();
        return m_dialog;
    }
    auto *dialog = new QDialog(parent);
    m_dialog = dialog;
    dialog->setObjectName(QStringLiteral("runColumnsDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(m_experiment.isEmpty() ? tr("Columns of All Runs")
                                                  : tr("Columns of Experiment %1").arg(m_experiment));
    auto *search = new QLineEdit;
    search->setObjectName(QStringLiteral("columnSearch"));
    search->setPlaceholderText(tr("Search columns"));
    search->setClearButtonEnabled(true);
    auto *tree = new QTreeWidget;
    tree->setObjectName(QStringLiteral("columnTree"));
    tree->setHeaderHidden(true);
    tree->setUniformRowHeights(true);

    const auto fill = [this, tree] {
        const QSignalBlocker block(tree);
        tree->clear();
        for (Group group : kGroups) {
            QTreeWidgetItem *parentItem = nullptr;
            for (int c = 0; c < m_model->columnCount(); ++c) {
                if (m_model->columnGroup(c) != group || c == RunsTableModel::Name)
                    continue;
                if (!parentItem) {
                    parentItem = new QTreeWidgetItem(tree, {groupTitle(group)});
                    parentItem->setFlags(Qt::ItemIsEnabled);
                    parentItem->setExpanded(true);
                }
                auto *item = new QTreeWidgetItem(parentItem, {m_model->headerData(c, Qt::Horizontal).toString()});
                item->setData(0, Qt::UserRole, m_model->columnKey(c));
                item->setToolTip(0, m_model->headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString());
                item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
                item->setCheckState(0, isShown(m_model->columnKey(c)) ? Qt::Checked : Qt::Unchecked);
            }
        }
    };
    fill();
    connect(tree, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem *item) {
        const QString key = item->data(0, Qt::UserRole).toString();
        if (!key.isEmpty())
            setShown(key, item->checkState(0) == Qt::Checked);
    });
    connect(search, &QLineEdit::textChanged, tree, [tree](const QString &text) {
        for (int g = 0; g < tree->topLevelItemCount(); ++g) {
            QTreeWidgetItem *group = tree->topLevelItem(g);
            int visible = 0;
            for (int i = 0; i < group->childCount(); ++i) {
                const bool match = group->child(i)->text(0).contains(text.trimmed(), Qt::CaseInsensitive);
                group->child(i)->setHidden(!match);
                visible += match;
            }
            group->setHidden(visible == 0);
        }
    });
    // Show/hide whatever the search leaves visible, e.g. every "(min)" column at once.
    const auto setVisibleItems = [tree](bool on) {
        for (int g = 0; g < tree->topLevelItemCount(); ++g) {
            QTreeWidgetItem *group = tree->topLevelItem(g);
            for (int i = 0; i < group->childCount(); ++i) {
                if (!group->isHidden() && !group->child(i)->isHidden())
                    group->child(i)->setCheckState(0, on ? Qt::Checked : Qt::Unchecked);
            }
        }
    };
    auto *showAll = new QPushButton(tr("Show Listed"));
    showAll->setObjectName(QStringLiteral("showListedColumns"));
    auto *hideAll = new QPushButton(tr("Hide Listed"));
    hideAll->setObjectName(QStringLiteral("hideListedColumns"));
    auto *defaults = new QPushButton(tr("Defaults"));
    defaults->setObjectName(QStringLiteral("defaultColumns"));
    connect(showAll, &QPushButton::clicked, tree, [setVisibleItems] { setVisibleItems(true); });
    connect(hideAll, &QPushButton::clicked, tree, [setVisibleItems] { setVisibleItems(false); });
    connect(defaults, &QPushButton::clicked, this, [this, fill, search] {
        resetToDefaults();
        fill();
        search->clear();
    });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);

    auto *row = new QHBoxLayout;
    row->addWidget(showAll);
    row->addWidget(hideAll);
    row->addWidget(defaults);
    row->addStretch(1);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(search);
    layout->addWidget(tree, 1);
    layout->addLayout(row);
    layout->addWidget(buttons);
    dialog->resize(360, 480);
    dialog->show();
    return dialog;
}

} // namespace mldesk::ui
