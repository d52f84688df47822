// StoreReader: reads of workspace.db off the caller's thread (issue 12: nothing that reads the database runs on the
// GUI thread for long). A thread of its own with its own connection to workspace.db; reads run one after the other
// there and each result comes back queued to a context object on the caller's thread - dropped when that object is
// gone. Reads queue behind nothing but other reads (the run service writes on its own thread; WAL lets both go on).
#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace mldesk::core {

class Database;

class StoreReader final {
public:
    // Opens a connection to database's file on the reader's thread (same file, no migration).
    explicit StoreReader(const Database &database);
    ~StoreReader(); // finishes the read in progress, drops the queued ones
    StoreReader(const StoreReader &) = delete;
    StoreReader &operator=(const StoreReader &) = delete;

    // Runs work(Database &) on the reader's thread, then done(result) on context's thread. A read that throws is
    // reported with qWarning and done is not called.
    template <typename Work, typename Done> void read(QObject *context, Work work, Done done)
    {
        post([this, context = QPointer<QObject>(context), work = std::move(work),
              done = std::move(done)](Database &db) mutable {
            auto result = work(db);
            // Back through the reader's own object on the caller's thread: context is checked there, where it lives.
            QMetaObject::invokeMethod(
                m_receiver.get(),
                [context, done = std::move(done), result = std::move(result)]() mutable {
                    if (context)
                        done(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

    // How many reads have finished on the reader's thread (tests).
    quint64 finished() const { return m_finished.load(); }

private:
    void post(std::function<void(Database &)> work);

    std::unique_ptr<QObject> m_receiver; // lives on the caller's thread
    QThread m_thread;
    QObject *m_context = nullptr;   // lives on m_thread
    std::unique_ptr<Database> m_db; // opened, used and dropped on m_thread
    std::atomic<quint64> m_finished{0};
};

} // namespace mldesk::core
