// LogView: the loaded window of the log file, live tail, older text on scroll-up, find, copy, open.
#include "ui/logs/LogView.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QFile>
#include <QFontDatabase>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace mldesk::ui {

namespace {
// Ctrl+F pressed inside the log belongs to the log's find bar, not to the window's Edit > Find.
class FindKeyFilter final : public QObject {
public:
    FindKeyFilter(LogView *view) : QObject(view), m_view(view) {}
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
            auto *key = static_cast<QKeyEvent *>(event);
            if (key->matches(QKeySequence::Find)) {
                event->accept();
                if (event->type() == QEvent::KeyPress)
                    m_view->showFind();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    LogView *m_view;
};
} // namespace

LogView::LogView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("logView"));
    m_text = new QPlainTextEdit;
    m_text->setObjectName(QStringLiteral("logText"));
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setUndoRedoEnabled(false);
    m_text->installEventFilter(new FindKeyFilter(this));

    m_follow = new QToolButton;
    m_follow->setObjectName(QStringLiteral("followButton"));
    m_follow->setText(tr("Follow"));
    m_follow->setToolTip(tr("Keep the newest lines in view (scroll up to stop)"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    auto *copyButton = new QToolButton;
    copyButton->setObjectName(QStringLiteral("copyButton"));
    copyButton->setText(tr("Copy"));
    copyButton->setToolTip(tr("Copy the selection, or all loaded text when nothing is selected"));
    auto *findButton = new QToolButton;
    findButton->setObjectName(QStringLiteral("findButton"));
    findButton->setText(tr("Find\u2026"));
    m_openButton = new QToolButton;
    m_openButton->setObjectName(QStringLiteral("openFileButton"));
    m_openButton->setText(tr("Open File"));
    m_openButton->setEnabled(false);

    m_findEdit = new QLineEdit;
    m_findEdit->setObjectName(QStringLiteral("findEdit"));
    m_findEdit->setPlaceholderText(tr("Find in log"));
    m_findEdit->setClearButtonEnabled(true);
    m_findEdit->installEventFilter(new FindKeyFilter(this));
    m_findStatus = new QLabel;
    m_findStatus->setObjectName(QStringLiteral("findStatus"));
    auto *previous = new QToolButton;
    previous->setText(tr("Previous"));
    auto *next = new QToolButton;
    next->setText(tr("Next"));
    auto *closeFind = new QToolButton;
    closeFind->setText(tr("Close"));
    m_findBar = new QWidget;
    m_findBar->setObjectName(QStringLiteral("findBar"));
    auto *findLayout = new QHBoxLayout(m_findBar);
    findLayout->setContentsMargins(0, 0, 0, 0);
    findLayout->addWidget(m_findEdit, 1);
    findLayout->addWidget(previous);
    findLayout->addWidget(next);
    findLayout->addWidget(m_findStatus);
    findLayout->addWidget(closeFind);
    m_findBar->hide();

    auto *tools = new QHBoxLayout;
    tools->addWidget(m_follow);
    tools->addWidget(findButton);
    tools->addWidget(copyButton);
    tools->addWidget(m_openButton);
    tools->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_findBar);
    layout->addWidget(m_text, 1);

    m_poll = new QTimer(this);
    m_poll->setInterval(200);
    m_flush = new QTimer(this);
    m_flush->setSingleShot(true);
    m_flush->setInterval(40);
    connect(m_poll, &QTimer::timeout, this, &LogView::poll);
    connect(m_flush, &QTimer::timeout, this, &LogView::flushPending);
    connect(m_text->verticalScrollBar(), &QScrollBar::valueChanged, this, &LogView::scrolled);
    connect(m_follow, &QToolButton::clicked, this, [this](bool on) {
        if (on) {
            m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
            poll();
        }
    });
    connect(copyButton, &QToolButton::clicked, this, &LogView::copy);
    connect(findButton, &QToolButton::clicked, this, &LogView::showFind);
    connect(m_openButton, &QToolButton::clicked, this, &LogView::openFile);
    connect(m_findEdit, &QLineEdit::returnPressed, this,
            [this] { findNext(QApplication::keyboardModifiers() & Qt::ShiftModifier); });
    connect(next, &QToolButton::clicked, this, [this] { findNext(false); });
    connect(previous, &QToolButton::clicked, this, [this] { findNext(true); });
    connect(closeFind, &QToolButton::clicked, m_findBar, &QWidget::hide);
    m_opener = [](const QString &path) {
        QDesktopServices::openUrl(QUrl::fromLocalFile(path));
    };
}

void LogView::setLimits(qsizetype maxChars, qint64 chunkBytes)
{
    m_maxChars = std::max<qsizetype>(maxChars, 1024);
    m_chunkBytes = std::max<qint64>(chunkBytes, 256);
}

void LogView::setPollInterval(int ms)
{
    m_poll->setInterval(ms);
}

void LogView::clear()
{
    m_text->clear();
    m_lineBytes.clear();
    m_pending.clear();
    m_top = m_bottom = 0;
    m_follow->setChecked(true);
    ++m_generation; // a read in flight is for what was shown before
    m_reading = m_wantForward = m_wantOlder = false;
}

void LogView::setFile(const QString &path)
{
    clear();
    m_path = path;
    m_openButton->setEnabled(!path.isEmpty());
    if (path.isEmpty()) {
        m_poll->stop();
        return;
    }
    startRead(Read::Tail);
    m_poll->start();
}

LogView::Chunk LogView::readFile(const QString &path, qint64 from, qint64 maxBytes)
{
    Chunk chunk;
    chunk.from = from;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return chunk; // not there (yet): size 0
    chunk.size = file.size();
    if (maxBytes > 0 && from < chunk.size && file.seek(from))
        chunk.data = file.read(std::min(chunk.size - from, maxBytes));
    return chunk;
}

void LogView::startRead(Read kind)
{
    if (m_reading) {
        (kind == Read::Older ? m_wantOlder : m_wantForward) = true;
        return;
    }
    m_reading = true;
    qint64 from = 0;
    qint64 maxBytes = 0;
    if (kind == Read::Forward) {
        from = m_bottom;
        // Not following, nothing is trimmed at the top: read only what fits, so the window stays bounded however
        // the poll and the user's scrolling interleave.
        const qint64 room = m_maxChars - m_text->document()->characterCount();
        maxBytes = isFollowing() ? 4 * m_chunkBytes : std::min(4 * m_chunkBytes, room);
    } else if (kind == Read::Older) {
        from = std::max<qint64>(0, m_top - m_chunkBytes);
        maxBytes = m_top - from;
    }
    const quint64 generation = m_generation;
    auto *watcher = new QFutureWatcher<Chunk>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, kind, generation] {
        watcher->deleteLater();
        if (generation != m_generation)
            return; // for the file shown before
        m_reading = false;
        readDone(kind, watcher->result());
    });
    // A pool of its own, not the global one: Qt's raster painting waits for the global pool's threads.
    static QThreadPool readers;
    watcher->setFuture(QtConcurrent::run(
        &readers, [reader = m_reader, path = m_path, kind, from, maxBytes, chunkBytes = m_chunkBytes] {
            if (kind != Read::Tail)
                return reader(path, from, maxBytes);
            // The end of the file from one chunk before it, at a line start.
            const qint64 size = reader(path, 0, 0).size;
            qint64 start = std::max<qint64>(0, size - chunkBytes);
            if (start > 0) {
                const QByteArray head = reader(path, start - 1, std::min(size - start + 1, chunkBytes)).data;
                const qsizetype newline = head.indexOf('\n');
                if (newline >= 0)
                    start += newline; // just past the newline (head starts one byte before start)
            }
            return reader(path, start, 4 * chunkBytes);
        }));
}

void LogView::readDone(Read kind, const Chunk &chunk)
{
    switch (kind) {
    case Read::Tail:
        m_top = m_bottom = chunk.from;
        showForward(chunk);
        break;
    case Read::Forward:
        showForward(chunk);
        break;
    case Read::Older:
        showOlder(chunk);
        break;
    }
    if (m_reading)
        return; // showForward started over (the file was truncated)
    if (std::exchange(m_wantOlder, false)) {
        const QScrollBar *bar = m_text->verticalScrollBar();
        if (bar->value() <= bar->minimum()) // still at the top
            loadOlder();
    }
    if (std::exchange(m_wantForward, false))
        poll();
}

void LogView::appendText(const QString &text)
{
    if (m_path.isEmpty())
        m_pending += text;
    if (!m_flush->isActive())
        m_flush->start();
}

void LogView::nudge()
{
    if (!m_flush->isActive())
        m_flush->start();
}

void LogView::flushPending()
{
    if (!m_path.isEmpty()) {
        poll();
        return;
    }
    if (m_pending.isEmpty())
        return;
    const bool follow = isFollowing();
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(m_pending);
    m_pending.clear();
    if (follow) {
        trimTop();
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
    }
}

bool LogView::isFollowing() const
{
    const QScrollBar *bar = m_text->verticalScrollBar();
    return m_follow->isChecked() || bar->value() >= bar->maximum();
}

void LogView::poll()
{
    if (m_path.isEmpty())
        return;
    if (!isFollowing() && m_text->document()->characterCount() >= m_maxChars)
        return; // the user reads older text; the rest loads when they come back to the end
    startRead(Read::Forward);
}

QStringList LogView::splitLines(const QByteArray &data, std::deque<qint64> *bytes)
{
    QStringList lines;
    qsizetype from = 0;
    while (from < data.size()) {
        qsizetype newline = data.indexOf('\n', from);
        const qsizetype end = newline < 0 ? data.size() : newline;
        QString line = QString::fromUtf8(data.constData() + from, end - from);
        if (line.endsWith(u'\r'))
            line.chop(1);
        // Progress bars redraw their line with '\r': show what the terminal would show, the last redraw.
        if (const qsizetype cr = line.lastIndexOf(u'\r'); cr >= 0)
            line = line.mid(cr + 1);
        lines.append(line);
        bytes->push_back(end - from + (newline < 0 ? 0 : 1));
        from = end + 1;
    }
    return lines;
}

void LogView::showForward(Chunk chunk)
{
    if (chunk.size < m_bottom) { // truncated or replaced: start over
        setFile(m_path);
        return;
    }
    if (chunk.from != m_bottom)
        return; // the window moved meanwhile; the next poll reads from where it is now
    const bool follow = isFollowing();
    QByteArray &data = chunk.data;
    if (!follow) { // only what fits now (the user may have scrolled up since the read began)
        const qsizetype room = m_maxChars - m_text->document()->characterCount();
        if (room <= 0)
            return;
        if (data.size() > room)
            data.truncate(room);
    }
    // Whole lines only; a half-written last line waits, unless a single line is larger than a chunk.
    const qsizetype lastNewline = data.lastIndexOf('\n');
    if (lastNewline >= 0)
        data.truncate(lastNewline + 1);
    else if (data.size() < m_chunkBytes)
        return;
    std::deque<qint64> bytes;
    const QStringList lines = splitLines(data, &bytes);
    appendLines(lines, bytes);
    m_bottom += data.size();
    if (follow) {
        trimTop();
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
        if (chunk.size > m_bottom)
            nudge(); // more to catch up with: the next read soon, not at the next poll
    }
}

void LogView::appendLines(const QStringList &lines, const std::deque<qint64> &bytes)
{
    if (lines.isEmpty())
        return;
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    const bool empty = m_lineBytes.empty() && m_text->document()->isEmpty();
    cursor.insertText((empty ? QString() : QStringLiteral("\n")) + lines.join(u'\n'));
    m_lineBytes.insert(m_lineBytes.end(), bytes.begin(), bytes.end());
}

void LogView::trimTop()
{
    QTextDocument *doc = m_text->document();
    if (doc->characterCount() <= m_maxChars)
        return;
    // Down to three quarters of the limit, so trimming does not happen on every append.
    const qsizetype target = doc->characterCount() - m_maxChars * 3 / 4;
    qsizetype removed = 0;
    int blocks = 0;
    for (QTextBlock block = doc->begin(); block.isValid() && removed < target && block.next().isValid();
         block = block.next()) {
        removed += block.length();
        ++blocks;
    }
    QTextCursor cursor(doc);
    cursor.movePosition(QTextCursor::Start);
    cursor.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor, blocks);
    cursor.removeSelectedText();
    for (int i = 0; i < blocks && !m_lineBytes.empty(); ++i) {
        m_top += m_lineBytes.front();
        m_lineBytes.pop_front();
    }
}

void LogView::trimBottom()
{
    QTextDocument *doc = m_text->document();
    if (doc->characterCount() <= m_maxChars)
        return;
    const qsizetype target = doc->characterCount() - m_maxChars * 3 / 4;
    qsizetype removed = 0;
    int blocks = 0;
    for (QTextBlock block = doc->lastBlock(); block.isValid() && removed < target && block.previous().isValid();
         block = block.previous()) {
        removed += block.length();
        ++blocks;
    }
    QTextCursor cursor(doc);
    cursor.movePosition(QTextCursor::End);
    cursor.movePosition(QTextCursor::PreviousBlock, QTextCursor::KeepAnchor, blocks);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
    for (int i = 0; i < blocks && !m_lineBytes.empty(); ++i) {
        m_bottom -= m_lineBytes.back();
        m_lineBytes.pop_back();
    }
    m_follow->setChecked(false);
}

void LogView::loadOlder()
{
    if (m_path.isEmpty() || m_top <= 0)
        return;
    startRead(Read::Older);
}

void LogView::showOlder(const Chunk &chunk)
{
    if (chunk.from + chunk.data.size() != m_top || chunk.data.isEmpty())
        return; // the window moved, or the file was cut meanwhile (the next poll starts over)
    qint64 start = chunk.from;
    QByteArray data = chunk.data;
    if (start > 0) { // drop the partial first line
        const qsizetype newline = data.indexOf('\n');
        if (newline >= 0 && newline + 1 < data.size()) {
            data.remove(0, newline + 1);
            start += newline + 1;
        }
    }
    if (data.endsWith('\n'))
        data.chop(1); // the loaded text below starts the next line
    std::deque<qint64> bytes;
    const QStringList lines = splitLines(data, &bytes);
    if (!bytes.empty())
        bytes.back() += 1; // the newline chopped above belongs to the last older line
    m_loadingOlder = true;
    QScrollBar *bar = m_text->verticalScrollBar();
    const int before = bar->value();
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::Start);
    cursor.insertText(lines.join(u'\n') + u'\n');
    m_lineBytes.insert(m_lineBytes.begin(), bytes.begin(), bytes.end());
    m_top = start;
    trimBottom();
    bar->setValue(before + int(lines.size())); // keep the line the user was reading in place
    m_loadingOlder = false;
}

void LogView::scrolled(int value)
{
    const QScrollBar *bar = m_text->verticalScrollBar();
    if (m_loadingOlder)
        return;
    m_follow->setChecked(value >= bar->maximum());
    if (value <= bar->minimum() && m_top > 0 && bar->maximum() > 0)
        QTimer::singleShot(0, this, &LogView::loadOlder);
}

QString LogView::text() const
{
    return m_text->toPlainText();
}

void LogView::showFind()
{
    m_findBar->show();
    m_findEdit->setFocus(Qt::ShortcutFocusReason);
    m_findEdit->selectAll();
}

bool LogView::findNext(bool backward)
{
    const QString needle = m_findEdit->text();
    if (needle.isEmpty()) {
        m_findStatus->clear();
        return false;
    }
    const QTextDocument::FindFlags flags = backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    bool found = m_text->find(needle, flags);
    if (!found) { // wrap around
        QTextCursor cursor = m_text->textCursor();
        cursor.movePosition(backward ? QTextCursor::End : QTextCursor::Start);
        m_text->setTextCursor(cursor);
        found = m_text->find(needle, flags);
    }
    m_findStatus->setText(
        found ? QString()
              : (m_top > 0 ? tr("Not found in the loaded text (scroll up to load older lines)") : tr("Not found")));
    return found;
}

void LogView::copy()
{
    if (m_text->textCursor().hasSelection())
        m_text->copy();
    else
        QGuiApplication::clipboard()->setText(text());
}

void LogView::openFile()
{
    if (!m_path.isEmpty() && m_opener)
        m_opener(m_path);
}

} // namespace mldesk::ui
