// ui-runs-bench: how long the Runs pane takes to open on a workspace with 10,000 runs (issue 7: under 300 ms) -
// RunService start, reading the runs, the table model and the first paint - and a scroll to the bottom.
// Not a test: run build-*/bench/ui-runs-bench [runs] (offscreen: QT_QPA_PLATFORM=offscreen).
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/workspace/Workspace.h"
#include "ui/panes/RunsPane.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QPixmap>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>

#include <cstdio>

using namespace mldesk;

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const int count = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10'000;
    QTemporaryDir dir;
    auto workspace = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("bench"));
    QElapsedTimer t;
    t.start();
    {
        const qint64 experiments[] = {core::ExperimentStore(workspace->database()).create(QStringLiteral("keras")).id,
                                      core::ExperimentStore(workspace->database()).create(QStringLiteral("torch")).id};
        core::RunStore store(workspace->database());
        { // RunStore::insert takes its own write transaction per run
            for (int i = 0; i < count; ++i) {
                core::RunStore::NewRun run;
                run.uid = QStringLiteral("bench_%1").arg(i);
                run.experimentId = experiments[i % 2];
                run.displayName = QStringLiteral("mlp lr=%1").arg(0.001 * (i % 7 + 1));
                run.runDir = dir.filePath(QStringLiteral("runs/") + run.uid);
                run.tags.insert(QStringLiteral("batch"), QString::number(50 * (i % 3 + 1)));
                store.insert(run);
            }
        }
    }
    std::printf("ui-runs-bench: %d runs written in %.0f ms\n", count, t.nsecsElapsed() / 1e6);

    core::RunServiceOptions options;
    options.schedule = false; // measure the view, not starting 10,000 queued runs
    options.gpus = QList<int>{};
    ui::RunsPane pane;
    pane.setServiceOptions(options);
    pane.resize(1200, 800);
    pane.show();
    QPixmap target(pane.size());
    t.restart();
    pane.setWorkspace(workspace.get());
    const double load = t.nsecsElapsed() / 1e6;
    t.restart();
    static_cast<QWidget &>(pane).render(&target);
    const double paint = t.nsecsElapsed() / 1e6;
    t.restart();
    QTableView *table = pane.table();
    table->verticalScrollBar()->setValue(table->verticalScrollBar()->maximum());
    static_cast<QWidget &>(pane).render(&target);
    const double scroll = t.nsecsElapsed() / 1e6;
    std::printf("  open (service, read, model)  %7.1f ms\n", load);
    std::printf("  first paint                  %7.1f ms\n", paint);
    std::printf("  open + first paint           %7.1f ms  (budget 300 ms: %s)\n", load + paint,
                load + paint < 300 ? "met" : "MISSED");
    std::printf("  scroll to bottom + paint     %7.1f ms  (%d rows)\n", scroll, table->model()->rowCount());
    return 0;
}
