// RunsPane's list page: the runs table, its filters and toolbar, and their connections (the rest of the pane is in
// RunsPane.cpp).
#include "ui/panes/RunsPane.h"

#include "core/runs/RunTypes.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/runs/RunColumnChooser.h"
#include "ui/runs/RunContextMenu.h"
#include "ui/runs/RunsChartsView.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace mldesk::ui {

QWidget *RunsPane::createListPage()
{
    auto *page = new QWidget;
    auto *submit = new QPushButton(tr("Submit Run\u2026"));
    submit->setObjectName(QStringLiteral("submitRunButton"));
    submit->setToolTip(tr("Submit a run (Ctrl+R)"));
    auto *submitSweep = new QPushButton(tr("Submit Sweep\u2026")); // issue 16
    submitSweep->setObjectName(QStringLiteral("submitSweepButton"));
    auto *clone = new QPushButton(tr("Clone"));
    clone->setObjectName(QStringLiteral("cloneButton"));
    auto *compare = new QPushButton(tr("Compare"));
    compare->setObjectName(QStringLiteral("compareButton"));
    compare->setToolTip(tr("Overlay the selected runs' metrics, live (Ctrl+Shift+C)"));
    auto *cancel = new QPushButton(tr("Cancel Run"));
    cancel->setObjectName(QStringLiteral("cancelSelectedButton"));

    m_experimentFilter = new QComboBox;
    m_experimentFilter->setObjectName(QStringLiteral("experimentFilter"));
    m_stateFilter = new QComboBox;
    m_stateFilter->setObjectName(QStringLiteral("stateFilter"));
    m_stateFilter->addItem(tr("All states"));
    for (const QString &state : core::runStateNames())
        m_stateFilter->addItem(state, int(*core::runStateFromName(state)));
    m_tagFilter = new QLineEdit;
    m_tagFilter->setObjectName(QStringLiteral("tagFilter"));
    m_tagFilter->setPlaceholderText(tr("tag or key=value"));
    m_tagFilter->setMaximumWidth(140);
    m_textFilter = new QLineEdit;
    m_textFilter->setObjectName(QStringLiteral("runFilter"));
    m_textFilter->setPlaceholderText(tr("Filter: text or learning-rate<0.01 Accuracy>0.9"));
    m_textFilter->setToolTip(RunsFilterModel::syntaxHelp());
    m_textFilter->setClearButtonEnabled(true);
    m_textFilter->setMinimumWidth(260);
    auto *columns = new QPushButton(tr("Columns\u2026"));
    columns->setObjectName(QStringLiteral("runColumnsButton"));
    columns->setToolTip(tr("Choose the table's columns (also: right-click the header)"));

    // Table | Charts (issue 17): the same runs as rows or as overlaid curves.
    m_tableButton = new QToolButton;
    m_tableButton->setObjectName(QStringLiteral("tableViewButton"));
    m_tableButton->setText(tr("Table"));
    m_tableButton->setCheckable(true);
    m_tableButton->setChecked(true);
    m_chartsButton = new QToolButton;
    m_chartsButton->setObjectName(QStringLiteral("chartsViewButton"));
    m_chartsButton->setText(tr("Charts"));
    m_chartsButton->setCheckable(true);
    m_chartsButton->setToolTip(tr("The selected runs (or, with none selected, the filtered ones) overlaid per metric"));
    auto *toggle = new QButtonGroup(page);
    toggle->addButton(m_tableButton);
    toggle->addButton(m_chartsButton);

    auto *tools = new QHBoxLayout;
    tools->addWidget(m_tableButton);
    tools->addWidget(m_chartsButton);
    tools->addSpacing(8);
    tools->addWidget(submit);
    tools->addWidget(submitSweep);
    tools->addWidget(clone);
    tools->addWidget(compare);
    tools->addWidget(cancel);
    tools->addStretch(1);
    // The filters get a row of their own: the expression box needs the width (and stays readable at 200 %).
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_textFilter, 1);
    filters->addWidget(m_experimentFilter);
    filters->addWidget(m_stateFilter);
    filters->addWidget(m_tagFilter);
    filters->addWidget(columns);

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("runsTable"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSortingEnabled(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // Fixed row height: resize-to-contents costs seconds at 10k rows (MEASUREMENTS.md).
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->sortByColumn(RunsTableModel::Started, Qt::DescendingOrder);
    m_columns = new RunColumnChooser(m_table, m_model, this); // which columns show, and their widths
    m_runMenu = new RunContextMenu(
        m_table, m_model, [this] { return m_service.get(); }, this);
    connect(m_runMenu, &RunContextMenu::message, this, &RunsPane::showMessage);

    m_textFilterError = new QLabel;
    m_textFilterError->setObjectName(QStringLiteral("runFilterError"));
    m_textFilterError->setWordWrap(true);
    m_textFilterError->setStyleSheet(QStringLiteral("color: #d9534f;")); // readable on light and dark
    m_textFilterError->hide();

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("runsMessage"));
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_message->hide();

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(tools);
    m_charts = new RunsChartsView;
    m_pages = new QStackedWidget;
    m_pages->setObjectName(QStringLiteral("runsPages"));
    m_pages->addWidget(m_table);
    m_pages->addWidget(m_charts);
    layout->addLayout(filters);
    layout->addWidget(m_message);
    layout->addWidget(m_textFilterError);
    layout->addWidget(m_pages, 1);

    m_chartRunsTimer = new QTimer(this);
    m_chartRunsTimer->setSingleShot(true);
    m_chartRunsTimer->setInterval(0);
    connect(m_chartRunsTimer, &QTimer::timeout, this, &RunsPane::updateChartRuns);
    auto chartRunsChanged = [this] {
        m_chartRunsTimer->start();
    };
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, chartRunsChanged);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, chartRunsChanged);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, chartRunsChanged);
    connect(m_filter, &QAbstractItemModel::modelReset, this, chartRunsChanged);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, chartRunsChanged);
    connect(m_tableButton, &QToolButton::clicked, this, [this] { showCharts(false); });
    connect(m_chartsButton, &QToolButton::clicked, this, [this] { showCharts(true); });

    connect(submit, &QPushButton::clicked, this, &RunsPane::openSubmitDialog);
    connect(submitSweep, &QPushButton::clicked, this, &RunsPane::openSubmitSweepDialog);
    connect(clone, &QPushButton::clicked, this, &RunsPane::cloneSelected);
    connect(compare, &QPushButton::clicked, this, &RunsPane::compareSelected);
    connect(cancel, &QPushButton::clicked, this, [this] {
        for (const QString &uid : selectedUids()) {
            if (m_service)
                m_service->cancel(uid); // refusals come back as the service's warning(), shown here
        }
    });
    connect(m_table, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { openDetails(index.data(RunsTableModel::UidRole).toString()); });
    connect(m_experimentFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setExperiment(m_experimentFilter->currentData().toString());
        m_columns->setExperiment(m_experimentFilter->currentData().toString()); // its column set
    });
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant state = m_stateFilter->currentData();
        m_filter->setState(state.isValid() ? std::optional<int>(state.toInt()) : std::nullopt);
    });
    connect(m_tagFilter, &QLineEdit::textChanged, m_filter, &RunsFilterModel::setTag);
    connect(m_textFilter, &QLineEdit::textChanged, this, [this](const QString &text) {
        const QString error = m_filter->setText(text);
        m_textFilterError->setText(error);
        m_textFilterError->setVisible(!error.isEmpty());
    });
    connect(columns, &QPushButton::clicked, this, [this] { m_columns->openDialog(window()); });
    return page;
}

} // namespace mldesk::ui
