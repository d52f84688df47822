// SlurmStatusView: the token is resolved on the UI thread (environment at once, keychain asynchronously), then one
// blocking SlurmClusterStatus::query runs in a QtConcurrent task with its own HttpClient; the answer comes back
// through a QFutureWatcher, and answers for an older target or request are dropped.
#include "ui/panes/SlurmStatusView.h"

#include "core/http/HttpClient.h"
#include "core/slurm/SlurmTargetConnection.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QDateTime>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace mldesk::ui {

namespace {

QString stateColour(SlurmStatusView::State state)
{
    switch (state) {
    case SlurmStatusView::State::Reachable:
        return QStringLiteral("color: #1e8449;");
    case SlurmStatusView::State::Unreachable:
    case SlurmStatusView::State::TokenProblem:
        return QStringLiteral("color: #c0392b;");
    default:
        return {};
    }
}

QString minutesText(int m)
{
    if (m < 0)
        return SlurmStatusView::tr("unlimited");
    if (m % (24 * 60) == 0)
        return SlurmStatusView::tr("%1 d").arg(m / (24 * 60));
    return m % 60 == 0 ? SlurmStatusView::tr("%1 h").arg(m / 60) : SlurmStatusView::tr("%1 min").arg(m);
}

QString megabytes(qint64 mb)
{
    return TableModel::formatBytes(mb * 1024 * 1024);
}

} // namespace

SlurmStatusView::SlurmStatusView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("slurmStatusView"));
    m_nodes = new TableModel(
        {tr("Node"), tr("State"), tr("CPUs"), tr("Memory"), tr("GPUs"), tr("Partitions"), tr("Reason")}, this);
    m_nodes->setNumericColumns({2, 3, 4});
    m_partitions = new TableModel(
        {tr("Partition"), tr("State"), tr("Nodes"), tr("Node count"), tr("CPUs"), tr("Max time"), tr("Max nodes/job")},
        this);
    m_partitions->setNumericColumns({3, 4});
    auto *nodesView = makeTableView(QStringLiteral("slurmNodesTable"), m_nodes, true);
    nodesView->horizontalHeader()->resizeSection(1, 140);
    nodesView->horizontalHeader()->resizeSection(3, 180);
    nodesView->horizontalHeader()->resizeSection(4, 160);
    auto *partitionsView = makeTableView(QStringLiteral("slurmPartitionsTable"), m_partitions, true);

    m_caption = new QLabel;
    m_caption->setObjectName(QStringLiteral("slurmCaption"));
    QFont font = m_caption->font();
    font.setWeight(QFont::DemiBold);
    m_caption->setFont(font);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("slurmSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_warning = new QLabel;
    m_warning->setObjectName(QStringLiteral("slurmPlainHttpWarning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #b45309;")); // amber: accepted, but not safe
    m_warning->hide();
    m_updated = new QLabel;
    m_updated->setObjectName(QStringLiteral("slurmUpdated"));
    m_updated->setEnabled(false); // greyed: secondary information
    m_refresh = new QPushButton(tr("Refresh"));
    m_refresh->setObjectName(QStringLiteral("slurmRefreshButton"));
    m_refresh->setToolTip(tr("Ask slurmrestd again (F5 refreshes every pane)"));

    auto *header = new QHBoxLayout;
    header->setContentsMargins(0, 0, 0, 0);
    header->addWidget(m_caption, 1);
    header->addWidget(m_updated);
    header->addWidget(m_refresh);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(titled(tr("Nodes"), nodesView));
    split->addWidget(titled(tr("Partitions"), partitionsView));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(header);
    layout->addWidget(m_warning);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    m_timer = new QTimer(this);
    m_timer->setInterval(10000);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (!m_inFlight)
            refresh();
    });
    connect(m_refresh, &QPushButton::clicked, this, &SlurmStatusView::refresh);
    clearTarget();
}

SlurmStatusView::~SlurmStatusView() = default;

QString SlurmStatusView::stateName(State state)
{
    switch (state) {
    case State::NoTarget:
        return QStringLiteral("no target");
    case State::Loading:
        return QStringLiteral("loading");
    case State::Reachable:
        return QStringLiteral("reachable");
    case State::Unreachable:
        return QStringLiteral("unreachable");
    case State::TokenProblem:
        return QStringLiteral("token missing or invalid");
    }
    return {};
}

QString SlurmStatusView::message() const
{
    return m_summary->text();
}

void SlurmStatusView::setRefreshInterval(int milliseconds)
{
    m_timer->stop();
    m_timer->setInterval(milliseconds);
    if (milliseconds > 0 && isVisible() && m_hasTarget)
        m_timer->start();
}

bool SlurmStatusView::isPolling() const
{
    return m_timer->isActive();
}

int SlurmStatusView::refreshInterval() const
{
    return m_timer->interval();
}

void SlurmStatusView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_hasTarget && m_timer->interval() > 0)
        m_timer->start();
}

void SlurmStatusView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_timer->stop();
}

void SlurmStatusView::clearTarget()
{
    ++m_generation;
    m_hasTarget = false;
    m_inFlight = false;
    m_target = {};
    m_timer->stop();
    m_caption->setText(tr("Slurm cluster"));
    m_apiVersion.clear();
    m_warning->clear();
    m_warning->hide();
    m_updated->clear();
    m_refresh->setEnabled(false);
    m_nodes->setRows({});
    m_partitions->setRows({});
    setSummary(State::NoTarget, tr("Select a Slurm target to see its nodes and partitions."));
}

void SlurmStatusView::setTarget(const QString &workspacePath, const core::ComputeTarget &target)
{
    const bool same = m_hasTarget && m_target.name == target.name && m_workspacePath == workspacePath;
    m_workspacePath = workspacePath;
    m_target = target;
    m_hasTarget = true;
    m_caption->setText(tr("Slurm cluster \u201c%1\u201d at %2").arg(target.name, target.slurm.url));
    const QString plainHttp = target.slurm.plainHttpWarning();
    m_warning->setText(plainHttp.isEmpty() ? QString() : tr("Warning: %1.").arg(plainHttp));
    m_warning->setVisible(!plainHttp.isEmpty());
    if (!same) {
        m_apiVersion.clear();
        ++m_generation; // an answer for the previous target must not land here
        m_inFlight = false;
        m_nodes->setRows({});
        m_partitions->setRows({});
        m_updated->clear();
    }
    if (isVisible() && m_timer->interval() > 0)
        m_timer->start();
    refresh();
}

void SlurmStatusView::refresh()
{
    if (!m_hasTarget || m_inFlight)
        return;
    m_inFlight = true;
    const quint64 generation = ++m_generation;
    m_refresh->setEnabled(false);
    setSummary(State::Loading, tr("Asking slurmrestd at %1\u2026").arg(m_target.slurm.url));
    core::SlurmTargetConnection::resolve(
        m_target.slurm, m_workspacePath, m_target.name, this,
        [this, generation](const core::SlurmClient::Connection &connection, const QString &error) {
            if (generation != m_generation)
                return;
            if (!error.isEmpty()) {
                showTokenProblem(error);
                return;
            }
            fetch(connection, generation);
        });
}

void SlurmStatusView::fetch(const core::SlurmClient::Connection &connection, quint64 generation)
{
    auto *watcher = new QFutureWatcher<core::SlurmClusterStatus>(this);
    connect(watcher, &QFutureWatcher<core::SlurmClusterStatus>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation == m_generation)
            finish(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([connection] {
        const std::unique_ptr<core::HttpClient> http = core::HttpClient::create();
        core::SlurmClient client(*http, connection);
        return core::SlurmClusterStatus::query(client);
    }));
}

void SlurmStatusView::showTokenProblem(const QString &error)
{
    m_inFlight = false;
    m_refresh->setEnabled(true);
    m_updated->setText(tr("checked %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    m_nodes->setRows({});
    m_partitions->setRows({});
    setSummary(State::TokenProblem, tr("Token missing or invalid: %1").arg(error));
    emit statusChanged(m_target.name, tr("token missing or invalid"));
}

void SlurmStatusView::finish(const core::SlurmClusterStatus &status)
{
    m_inFlight = false;
    m_refresh->setEnabled(true);
    m_updated->setText(tr("checked %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    // Slurm 24.11 answers ping whatever the token: a rejected token shows first in the node list.
    const bool tokenRejected = status.ping.ok() && status.nodes.error.kind == core::SlurmError::Kind::Auth;
    if (!status.ping.ok() || tokenRejected) {
        const core::SlurmError &e = tokenRejected ? status.nodes.error : status.ping.error;
        m_nodes->setRows({});
        m_partitions->setRows({});
        if (e.kind == core::SlurmError::Kind::Auth) {
            setSummary(State::TokenProblem, tr("Token missing or invalid: %1").arg(e.message));
            emit statusChanged(m_target.name, tr("token missing or invalid"));
        } else {
            setSummary(State::Unreachable, tr("Unreachable: %1").arg(e.message));
            emit statusChanged(m_target.name, tr("unreachable"));
        }
        return;
    }

    const core::SlurmPing &p = status.ping.value;
    m_apiVersion = status.autoDetected ? tr("%1 (auto)").arg(status.apiVersion) : status.apiVersion;
    QStringList lines;
    lines.append(tr("Reachable: slurmctld on %1 is %2%3, Slurm %4, REST API %5.")
                     .arg(p.hostname.isEmpty() ? tr("the controller") : p.hostname,
                          p.state.isEmpty() ? tr("answering") : p.state,
                          p.mode.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(p.mode), p.slurmRelease,
                          m_apiVersion));
    QString shortStatus = tr("reachable, API %1").arg(status.apiVersion);
    if (status.nodes.ok()) {
        QMap<QString, int> byState; // "idle" -> count
        for (const core::SlurmNode &n : status.nodes.value)
            ++byState[n.state.toLower()];
        QStringList counts;
        for (auto it = byState.cbegin(); it != byState.cend(); ++it)
            counts.append(QStringLiteral("%1 %2").arg(it.value()).arg(it.key()));
        const QString nodes = tr("%n node(s)", nullptr, int(status.nodes.value.size())) +
                              (counts.isEmpty() ? QString() : QStringLiteral(": ") + counts.join(QStringLiteral(", ")));
        lines.append(nodes + u'.');
        shortStatus += QStringLiteral(", ") + nodes;
        showNodes(status.nodes.value);
    } else {
        lines.append(tr("The nodes could not be listed: %1").arg(status.nodes.error.message));
        m_nodes->setRows({});
    }
    if (status.partitions.ok()) {
        showPartitions(status.partitions.value);
    } else {
        lines.append(tr("The partitions could not be listed: %1").arg(status.partitions.error.message));
        m_partitions->setRows({});
    }
    setSummary(State::Reachable, lines.join(u' '));
    emit statusChanged(m_target.name, shortStatus);
}

QString SlurmStatusView::warning() const
{
    return m_warning->text();
}

void SlurmStatusView::setSummary(State state, const QString &text)
{
    m_state = state;
    m_summary->setText(text);
    m_summary->setStyleSheet(stateColour(state));
}

void SlurmStatusView::showNodes(const QList<core::SlurmNode> &nodes)
{
    QList<TableModel::Row> rows;
    for (const core::SlurmNode &n : nodes) {
        QString state = n.state;
        if (!n.stateFlags.isEmpty())
            state += u'+' + n.stateFlags.join(u'+').toLower();
        QString memory = megabytes(n.realMemoryMb);
        if (n.freeMemoryMb >= 0)
            memory = tr("%1 (%2 free)").arg(memory, megabytes(n.freeMemoryMb));
        const int gpus = n.gpuCount();
        QString gpuText = gpus > 0 ? QString::number(gpus) : tr("none");
        if (!n.gres.isEmpty())
            gpuText += QStringLiteral(" (%1)").arg(n.gres);
        QString gresTip = n.gres.isEmpty() ? tr("no gres configured") : tr("gres: %1").arg(n.gres);
        if (!n.gresUsed.isEmpty())
            gresTip += tr("; in use: %1").arg(n.gresUsed);
        rows.append({n.name,
                     {{n.name},
                      {state},
                      {tr("%1/%2 used").arg(n.allocatedCpus).arg(n.cpus), n.cpus},
                      {memory, n.realMemoryMb},
                      {gpuText, gpus, gresTip},
                      {n.partitions.join(QStringLiteral(", "))},
                      {n.reason}}});
    }
    m_nodes->setRows(rows);
}

void SlurmStatusView::showPartitions(const QList<core::SlurmPartition> &partitions)
{
    QList<TableModel::Row> rows;
    for (const core::SlurmPartition &p : partitions) {
        rows.append({p.name,
                     {{p.isDefault ? tr("%1 (default)").arg(p.name) : p.name, p.name},
                      {p.state},
                      {p.nodes},
                      {QString::number(p.totalNodes), p.totalNodes},
                      {QString::number(p.totalCpus), p.totalCpus},
                      {minutesText(p.maxTimeMinutes), p.maxTimeMinutes},
                      {p.maxNodesPerJob < 0 ? tr("unlimited") : QString::number(p.maxNodesPerJob), p.maxNodesPerJob}}});
    }
    m_partitions->setRows(rows);
}

} // namespace mldesk::ui
