// TestLogView: live tail that follows unless scrolled up, chunked appends, bounded memory with older text read
// back on scroll-up (the loaded window always equals the file's bytes [loadedFrom, end)), Ctrl+F find, copy and
// open file through its seam, progress-bar lines redrawn with '\r', and every read of the file on a worker thread
// (issue 12).
#include "UiTestSupport.h"

#include "ui/logs/LogView.h"

#include <QClipboard>
#include <QFile>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMutex>

#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QToolButton>

#include <memory>

using mldesk::test::child;
using mldesk::ui::LogView;

class TestLogView final : public QObject {
    Q_OBJECT

private slots:
    void init();
    void followsTheFile();
    void stopsFollowingWhenScrolledUp();
    void boundedAndLoadsOlderOnScrollUp();
    void appendsPushedTextInChunks();
    void findWithCtrlF();
    void copyAndOpenFile();
    void progressLinesShowLastRedraw();
    void readsTheFileOnAWorker();
    void truncatedFileStartsOver();

private:
    QString writeLines(int from, int to, QIODevice::OpenMode mode = QIODevice::Append);
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_file;
};

void TestLogView::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_file = m_dir->filePath(QStringLiteral("std_log.txt"));
}

QString TestLogView::writeLines(int from, int to, QIODevice::OpenMode mode)
{
    QFile file(m_file);
    file.open(QIODevice::WriteOnly | mode);
    QString written;
    for (int i = from; i < to; ++i) {
        const QString line = QStringLiteral("Epoch %1/%2 - loss: 0.%3 - accuracy: 0.8\u00e9\n").arg(i).arg(to).arg(i);
        written += line;
        file.write(line.toUtf8());
    }
    return written;
}

void TestLogView::followsTheFile()
{
    writeLines(0, 5, QIODevice::Truncate);
    LogView view;
    view.setPollInterval(20);
    view.resize(600, 300);
    view.show();
    view.setFile(m_file);
    QTRY_VERIFY(view.text().startsWith(QStringLiteral("Epoch 0/5")));
    writeLines(5, 200);
    QTRY_VERIFY(view.text().endsWith(QStringLiteral("Epoch 199/200 - loss: 0.199 - accuracy: 0.8\u00e9")));
    QScrollBar *bar = view.editor()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), bar->maximum());
    QVERIFY(child<QToolButton>(&view, QStringLiteral("followButton"))->isChecked());
}

void TestLogView::stopsFollowingWhenScrolledUp()
{
    writeLines(0, 300, QIODevice::Truncate);
    LogView view;
    view.setPollInterval(20);
    view.resize(600, 300);
    view.show();
    view.setFile(m_file);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 299/")));
    QScrollBar *bar = view.editor()->verticalScrollBar();
    bar->setValue(10);
    QVERIFY(!child<QToolButton>(&view, QStringLiteral("followButton"))->isChecked());
    writeLines(300, 320);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 319/")));
    QCOMPARE(bar->value(), 10); // the line the user reads stays put
    QTest::mouseClick(child<QToolButton>(&view, QStringLiteral("followButton")), Qt::LeftButton);
    QCOMPARE(bar->value(), bar->maximum());
    writeLines(320, 330);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 329/")));
    QCOMPARE(bar->value(), bar->maximum());
}

void TestLogView::boundedAndLoadsOlderOnScrollUp()
{
    const QString all = writeLines(0, 3000, QIODevice::Truncate); // ~150 KB
    const QByteArray bytes = all.toUtf8();
    LogView view;
    view.setLimits(8192, 2048);
    view.resize(600, 300);
    view.show();
    view.setFile(m_file);
    auto loadedMatchesFile = [&] {
        const QByteArray window = bytes.mid(view.loadedFrom(), bytes.size());
        const QString text = view.text();
        return QString::fromUtf8(window).startsWith(text) && window.startsWith(text.left(20).toUtf8());
    };
    QTRY_VERIFY(view.text().endsWith(QStringLiteral("Epoch 2999/3000 - loss: 0.2999 - accuracy: 0.8\u00e9")));
    QVERIFY(view.loadedFrom() > 0);
    QVERIFY(view.text().size() < 8192 + 200);
    QVERIFY(loadedMatchesFile());

    // Scroll to the top repeatedly: older text loads, memory stays bounded, the window matches the file.
    QScrollBar *bar = view.editor()->verticalScrollBar();
    qint64 previous = view.loadedFrom();
    for (int i = 0; i < 200 && view.loadedFrom() > 0; ++i) {
        bar->setValue(bar->minimum());
        QTRY_VERIFY(view.loadedFrom() < previous);
        previous = view.loadedFrom();
        QVERIFY(view.text().size() < 8192 + 2048 + 200);
        QVERIFY(QString::fromUtf8(bytes.mid(view.loadedFrom())).startsWith(view.text()));
    }
    QCOMPARE(view.loadedFrom(), 0);
    QVERIFY(view.text().startsWith(QStringLiteral("Epoch 0/3000")));
    QVERIFY(!child<QToolButton>(&view, QStringLiteral("followButton"))->isChecked());

    // Back to the end: the newer lines trimmed on the way up are read again (a read after a read while behind).
    QTest::mouseClick(child<QToolButton>(&view, QStringLiteral("followButton")), Qt::LeftButton);
    QTRY_VERIFY(view.text().endsWith(QStringLiteral("Epoch 2999/3000 - loss: 0.2999 - accuracy: 0.8\u00e9")));
    QVERIFY(QString::fromUtf8(bytes.mid(view.loadedFrom())).startsWith(view.text()));
    QVERIFY(view.text().size() < 8192 + 200);
}

void TestLogView::appendsPushedTextInChunks()
{
    LogView view;
    view.setLimits(4096, 1024);
    view.show();
    QString expected;
    for (int i = 0; i < 50; ++i) {
        const QString line = QStringLiteral("line %1\n").arg(i);
        view.appendText(line);
        expected += line;
    }
    QVERIFY(view.text().isEmpty()); // nothing per line: one insert on the next frame
    QTRY_COMPARE(view.text(), expected);
    for (int i = 50; i < 2000; ++i)
        view.appendText(QStringLiteral("line %1\n").arg(i));
    QTRY_VERIFY(view.text().contains(QStringLiteral("line 1999")));
    QVERIFY(view.text().size() <= 4096);
    QVERIFY(!view.text().contains(QStringLiteral("line 10\n")));
}

void TestLogView::findWithCtrlF()
{
    writeLines(0, 50, QIODevice::Truncate);
    LogView view;
    view.show();
    view.setFile(m_file);
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 49/")));
    view.editor()->setFocus();
    auto *bar = child<QWidget>(&view, QStringLiteral("findBar"));
    QVERIFY(!bar->isVisible());
    QTest::keyClick(view.editor(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(bar->isVisible());
    auto *edit = child<QLineEdit>(&view, QStringLiteral("findEdit"));
    QTRY_VERIFY(edit->hasFocus());
    QTest::keyClicks(edit, QStringLiteral("Epoch 42/"));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(view.editor()->textCursor().selectedText(), QStringLiteral("Epoch 42/"));
    QCOMPARE(view.editor()->textCursor().blockNumber(), 42);
    edit->setText(QStringLiteral("no such text"));
    QVERIFY(!view.findNext());
    QVERIFY(!child<QLabel>(&view, QStringLiteral("findStatus"))->text().isEmpty());
}

void TestLogView::copyAndOpenFile()
{
    writeLines(0, 3, QIODevice::Truncate);
    LogView view;
    QString opened;
    view.setFileOpener([&opened](const QString &path) { opened = path; });
    view.show();
    view.setFile(m_file);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 2/")));
    QTest::mouseClick(child<QToolButton>(&view, QStringLiteral("copyButton")), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), view.text());
    QTest::mouseClick(child<QToolButton>(&view, QStringLiteral("openFileButton")), Qt::LeftButton);
    QCOMPARE(opened, m_file);
}

void TestLogView::progressLinesShowLastRedraw()
{
    QFile file(m_file);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("Epoch 1/2\r\n 100/1200 [==>....]\r 600/1200 [=====>..]\r1200/1200 [==========] - loss: 0.5\nok\n");
    file.close();
    LogView view;
    view.setFile(m_file);
    QTRY_COMPARE(view.text(), QStringLiteral("Epoch 1/2\n1200/1200 [==========] - loss: 0.5\nok"));
}

void TestLogView::readsTheFileOnAWorker()
{
    writeLines(0, 3000, QIODevice::Truncate);
    LogView view;
    view.setLimits(8192, 2048);
    view.setPollInterval(20);
    // Shared with the worker's copy of the seam: a read still running when the test ends finds it alive.
    struct Seen {
        QMutex mutex;
        QList<QThread *> threads;
    };
    const auto seen = std::make_shared<Seen>();
    view.setFileReader([seen](const QString &path, qint64 from, qint64 maxBytes) {
        QMutexLocker lock(&seen->mutex);
        seen->threads.append(QThread::currentThread());
        return LogView::readFile(path, from, maxBytes);
    });
    view.resize(600, 300);
    view.show();
    view.setFile(m_file);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 2999/")));
    writeLines(3000, 3010); // the tail, live
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 3009/")));
    const qint64 top = view.loadedFrom();
    QScrollBar *bar = view.editor()->verticalScrollBar();
    bar->setValue(bar->minimum()); // older text
    QTRY_VERIFY(view.loadedFrom() < top);
    QMutexLocker lock(&seen->mutex);
    QVERIFY(seen->threads.size() >= 3); // the tail's reads, a poll's, the older chunk's
    QVERIFY(!seen->threads.contains(QThread::currentThread()));
}

void TestLogView::truncatedFileStartsOver()
{
    writeLines(0, 100, QIODevice::Truncate);
    LogView view;
    view.setPollInterval(20);
    view.setFile(m_file);
    QTRY_VERIFY(view.text().contains(QStringLiteral("Epoch 99/")));
    QString rewritten = writeLines(0, 3, QIODevice::Truncate); // a rerun rewrote the log, shorter
    rewritten.chop(1); // the view holds lines; the last newline ends the last one
    QTRY_COMPARE(view.text(), rewritten);
}

QTEST_MAIN(TestLogView)
#include "TestLogView.moc"
