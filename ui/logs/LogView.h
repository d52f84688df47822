// LogView: a run's log, live. Follows the end while the view is scrolled to the bottom and stops when the user
// scrolls up; new text lands in chunks (one insert per frame, not per line). Memory stays bounded: only a window
// of the file is loaded, older text is read back from the file when the user scrolls to the top. Ctrl+F searches
// the loaded text; Copy copies the selection (or all loaded text); Open File hands the file to the desktop.
// The file is read on a worker thread (issue 12: a log on a slow or busy disk never stalls the GUI thread), one read
// at a time; the GUI thread only puts the answer's lines into the view.
#pragma once

#include <QString>
#include <QWidget>

#include <deque>
#include <functional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;
class QToolButton;

namespace mldesk::ui {

class LogView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogView)

public:
    using FileOpener = std::function<void(const QString &path)>;
    // What one read of the file brought: its size then and its bytes [from, from + data.size()).
    struct Chunk {
        qint64 size = 0; // 0 when the file does not exist
        qint64 from = 0;
        QByteArray data;
    };
    // Reads at most maxBytes from offset from. Called on a worker thread, never on the GUI thread.
    using FileReader = std::function<Chunk(const QString &path, qint64 from, qint64 maxBytes)>;
    static Chunk readFile(const QString &path, qint64 from, qint64 maxBytes);

    explicit LogView(QWidget *parent = nullptr);

    // File mode: shows the end of path and tails it (polling; nudge() reads at once). The file may not exist yet.
    void setFile(const QString &path);
    QString file() const { return m_path; }
    // Without a file: appends text (whole or partial lines). With a file: a hint that it grew (reads it soon).
    void appendText(const QString &text);
    void nudge();
    void clear();

    // Loaded text at most about this many characters (default 4 Mi); a chunk read from the file (default 256 KiB).
    void setLimits(qsizetype maxChars, qint64 chunkBytes);
    void setPollInterval(int ms);
    // Test seam: what Open File does (default: QDesktopServices::openUrl).
    void setFileOpener(FileOpener opener) { m_opener = std::move(opener); }
    // Test seam: how the worker reads the file (default: readFile).
    void setFileReader(FileReader reader) { m_reader = std::move(reader); }
    bool isReading() const { return m_reading; } // a read of the file is in flight

    QString text() const;
    bool isFollowing() const;
    qint64 loadedFrom() const { return m_top; } // byte offset in the file of the first loaded line
    QPlainTextEdit *editor() const { return m_text; }

    void showFind();
    // Selects the next (or previous) match of the find field's text; false when there is none (wraps around).
    bool findNext(bool backward = false);
    void copy();
    void openFile();

private:
    enum class Read { Tail, Forward, Older };
    void poll();
    void flushPending();
    void startRead(Read kind);
    void readDone(Read kind, const Chunk &chunk);
    void showTail(const Chunk &chunk);
    void showForward(Chunk chunk);
    void showOlder(const Chunk &chunk);
    void startNext(); // the read asked for while another was in flight
    void loadOlder();
    void trimTop();
    void trimBottom();
    void appendLines(const QStringList &lines, const std::deque<qint64> &bytes);
    void scrolled(int value);
    static QStringList splitLines(const QByteArray &data, std::deque<qint64> *bytes);

    QPlainTextEdit *m_text = nullptr;
    QWidget *m_findBar = nullptr;
    QLineEdit *m_findEdit = nullptr;
    QLabel *m_findStatus = nullptr;
    QToolButton *m_follow = nullptr;
    QToolButton *m_openButton = nullptr;
    QTimer *m_poll = nullptr;
    QTimer *m_flush = nullptr;
    FileOpener m_opener;
    FileReader m_reader = &LogView::readFile;

    QString m_path;
    qint64 m_top = 0; // file bytes [m_top, m_bottom) are loaded
    qint64 m_bottom = 0;
    std::deque<qint64> m_lineBytes; // file bytes of each loaded line (its newline included)
    QString m_pending;              // pushed text not yet shown (no-file mode)
    qsizetype m_maxChars = 4 * 1024 * 1024;
    qint64 m_chunkBytes = 256 * 1024;
    bool m_loadingOlder = false; // older lines are being put in at the top (the scroll bar moves meanwhile)
    bool m_reading = false;      // a read is in flight, for this generation
    bool m_wantForward = false;  // asked for while another read was in flight
    bool m_wantOlder = false;
    quint64 m_generation = 0; // bumped by setFile and clear: answers for an earlier file are dropped
};

} // namespace mldesk::ui
