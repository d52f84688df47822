// RunDetails: the four tabs of a run and their live updates.
#include "ui/runs/RunDetails.h"

#include "ui/charts/LiveChart.h"
#include "ui/logs/LogView.h"
#include "ui/models/RunsTableModel.h"
#include "ui/models/TableModel.h"
#include "ui/runs/RunImages.h"
#include "ui/runs/RunOutputs.h"
#include "ui/runs/RunSnapshot.h"

#include <QDir>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace mldesk::ui {

QString RunDetails::title(const core::RunRecord &run)
{
    return run.displayName.isEmpty() ? run.uid : run.displayName;
}

RunDetails::RunDetails(const core::RunRecord &run, QWidget *parent) : QWidget(parent), m_run(run)
{
    setObjectName(QStringLiteral("runDetails_") + run.uid);
    m_header = new QLabel;
    m_header->setObjectName(QStringLiteral("runHeader"));
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel = new QPushButton(tr("Cancel Run"));
    m_cancel->setObjectName(QStringLiteral("cancelRunButton"));
    // The backend's note ("cluster unreachable, retrying ..."): what is happening to the run now.
    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("runNote"));
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setStyleSheet(QStringLiteral("QLabel { background: #fdf2d0; color: #7a5200; border: 1px solid #e0b84c;"
                                         " border-radius: 3px; padding: 4px 8px; }"));
    m_note->hide();
    auto *top = new QHBoxLayout;
    top->addWidget(m_header, 1);
    top->addWidget(m_cancel);

    m_overview = new QTextBrowser;
    m_overview->setObjectName(QStringLiteral("overviewText"));
    m_overview->setOpenLinks(false);
    m_chart = new LiveChart;
    m_chart->addRun(run.uid, title(run));
    m_log = new LogView;
    m_outputs = new RunOutputs;
    m_snapshot = new RunSnapshot;
    m_images = new RunImages;
    m_images->setRunDir(run.runDir);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("runDetailTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_overview, tr("Overview"));
    m_tabs->addTab(m_chart, tr("Metrics"));
    m_tabs->addTab(m_log, tr("Logs"));
    m_tabs->addTab(m_outputs, tr("Outputs"));
    m_tabs->addTab(m_snapshot, tr("Snapshot"));
    m_tabs->addTab(m_images, tr("Images"));
    // The snapshot is read when first shown: most runs are opened for their charts.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (m_tabs->widget(index) == m_snapshot && !m_run.runDir.isEmpty())
            m_snapshot->setFolder(QDir(m_run.runDir).filePath(QStringLiteral("snapshot")));
    });
    connect(m_outputs, &RunOutputs::modelRegistered, this, &RunDetails::modelRegistered);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_note);
    layout->addWidget(m_tabs, 1);

    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        emit cancelRequested(m_run.uid);
    });
    if (!run.runDir.isEmpty())
        m_log->setFile(QDir(run.runDir).filePath(QStringLiteral("logs/std_log.txt")));
    setRun(run);
}

void RunDetails::setRun(const core::RunRecord &run)
{
    const bool wasActive = m_run.isActive();
    m_run = run;
    m_header->setText(tr("<b>%1</b> &nbsp; %2 &nbsp; <span style='color:%3'>%4</span>")
                          .arg(title(run).toHtmlEscaped(), run.uid.toHtmlEscaped(),
                               RunsTableModel::stateColor(run.state).name(), core::runStateName(run.state)));
    m_note->setText(QStringLiteral("\u26A0 ") + run.note);
    m_note->setToolTip(run.note);
    m_note->setVisible(!run.note.isEmpty());
    m_cancel->setVisible(run.isActive());
    if (!run.isActive() && wasActive)
        m_log->nudge(); // the last lines
    showOverview();
    m_outputs->setRun(run);
}

void RunDetails::setWorkspace(core::Workspace *workspace)
{
    m_outputs->setWorkspace(workspace);
}

void RunDetails::loadMetrics(QList<core::MetricColumns> chunks)
{
    m_loading = true;
    m_toLoad += std::move(chunks);
    continueLoading();
}

void RunDetails::continueLoading()
{
    // A few milliseconds of chunks per event (a 1M-point run is ~500 chunks): the window stays responsive.
    QElapsedTimer budget;
    budget.start();
    qsizetype next = 0;
    while (next < m_toLoad.size() && budget.elapsed() < 4)
        addChunk(m_toLoad[next++]);
    m_toLoad.remove(0, next);
    if (!m_toLoad.isEmpty()) {
        QTimer::singleShot(0, this, &RunDetails::continueLoading);
        return;
    }
    m_loading = false;
    addMetrics(std::exchange(m_waitingPoints, {}));
}

void RunDetails::addChunk(const core::MetricColumns &chunk)
{
    if (chunk.seq > 0 && chunk.seq <= m_metricSeq)
        return;
    m_metricSeq = std::max(m_metricSeq, chunk.seq);
    QList<core::MetricPoint> images;
    for (qsizetype i = 0; i < chunk.texts.size(); ++i)
        if (!chunk.texts[i].isEmpty())
            images.append({chunk.name, chunk.steps[i], chunk.values[i], chunk.times[i], chunk.texts[i], chunk.seq});
    if (!images.isEmpty())
        m_images->addPoints(images);
    QList<MetricPoint> points;
    points.reserve(chunk.size());
    for (qsizetype i = 0; i < chunk.size(); ++i)
        if (!(std::isnan(chunk.values[i]) && !chunk.texts.value(i).isEmpty()))
            points.append(MetricPoint{double(chunk.steps[i]), chunk.times[i] / 1000.0, chunk.values[i]});
    if (!points.isEmpty())
        m_chart->appendPoints(m_run.uid, chunk.name, points);
}

void RunDetails::addMetrics(const QList<core::MetricPoint> &points)
{
    if (m_loading) {
        m_waitingPoints += points;
        return;
    }
    // Chunks come from the store (the first load, then the service's signal): a chunk this view already holds is
    // skipped, so each point is drawn once whichever way it arrived.
    const qint64 held = m_metricSeq;
    QList<core::MetricPoint> fresh;
    fresh.reserve(points.size());
    for (const core::MetricPoint &p : points) {
        if (p.seq > 0 && p.seq <= held)
            continue;
        m_metricSeq = std::max(m_metricSeq, p.seq);
        fresh.append(p);
    }
    m_images->addPoints(fresh);
    for (const core::MetricPoint &p : std::as_const(fresh)) {
        if (std::isnan(p.value) && !p.text.isEmpty())
            continue; // images and other non-numeric entries are not charted (the Images tab takes them)
        m_chart->appendPoint(m_run.uid, p.name, MetricPoint{double(p.step), p.timeMs / 1000.0, p.value});
    }
}

void RunDetails::logAppended(const QString &text)
{
    if (m_log->file().isEmpty())
        m_log->appendText(text);
    else
        m_log->nudge();
}

void RunDetails::showOverview()
{
    const core::RunRecord &r = m_run;
    const QJsonObject c = r.configuration;
    auto row = [](const QString &key, const QString &value) {
        return QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
            .arg(key.toHtmlEscaped(), value);
    };
    QString html = QStringLiteral("<table cellspacing=4>");
    html += row(tr("Run"), r.uid.toHtmlEscaped());
    html += row(tr("Experiment"), r.experiment.toHtmlEscaped());
    html += row(tr("State"), core::runStateName(r.state));
    const QString compute =
        r.device.isEmpty() ? r.computeTarget : QStringLiteral("%1 (%2)").arg(r.computeTarget, r.device);
    html += row(tr("Compute"), compute.toHtmlEscaped());
    if (!r.note.isEmpty())
        html += row(tr("Note"), QStringLiteral("<span style='color:#b9770e'>%1</span>").arg(r.note.toHtmlEscaped()));
    const QJsonObject env = c.value(u"environment").toObject();
    if (!env.isEmpty())
        html += row(tr("Environment"),
                    QStringLiteral("%1:%2").arg(env.value(u"name").toString()).arg(env.value(u"version").toInt()));
    const QJsonObject entry = c.value(u"entry").toObject();
    html += row(tr("Entry"), entry.value(u"name").toString().toHtmlEscaped());
    QStringList args;
    for (const QJsonValue &a : c.value(u"resolved_arguments").toArray())
        args.append(a.toString());
    html += row(tr("Arguments"), QStringLiteral("<code>%1</code>").arg(args.join(u' ').toHtmlEscaped()));
    QStringList datasets;
    for (const QJsonValue &d : c.value(u"datasets").toArray()) {
        const QJsonObject o = d.toObject();
        datasets.append(QStringLiteral("%1:%2 (%3)")
                            .arg(o.value(u"name").toString())
                            .arg(o.value(u"version").toInt())
                            .arg(o.value(u"mode").toString()));
    }
    if (!datasets.isEmpty())
        html += row(tr("Datasets"), datasets.join(QStringLiteral(", ")).toHtmlEscaped());
    html += row(tr("Created"), TableModel::formatDate(r.created));
    if (r.started.isValid())
        html += row(tr("Duration"), RunsTableModel::formatDuration(r.durationMs()));
    if (r.exitCode)
        html += row(tr("Exit code"), QString::number(*r.exitCode));
    if (r.exitSignal)
        html += row(tr("Signal"), QString::number(*r.exitSignal));
    if (!r.failureReason.isEmpty())
        html += row(tr("Error"),
                    QStringLiteral("<pre style='color:#c0392b'>%1</pre>").arg(r.failureReason.toHtmlEscaped()));
    html += QStringLiteral("</table>");
    if (!r.history.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><table cellspacing=4>").arg(tr("History"));
        for (const core::RunStateChange &h : r.history) {
            html += QStringLiteral("<tr><td style='padding-right:16px'>%1</td><td>%2</td><td>%3</td></tr>")
                        .arg(h.at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                             core::runStateName(h.state), h.detail.toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
    }
    html += QStringLiteral("<h4>%1</h4><pre>%2</pre>")
                .arg(tr("Configuration"),
                     QString::fromUtf8(QJsonDocument(c).toJson(QJsonDocument::Indented)).toHtmlEscaped());
    m_overview->setHtml(html);
}

} // namespace mldesk::ui
