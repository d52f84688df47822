// JobOutcome: the tail every background job shares (CONVENTIONS 6) - run the work on the pool thread, then re-post
// its result or its error to the job's own thread, where the job clears its running flag and emits.
#pragma once

#include <QMetaObject>
#include <QObject>
#include <QString>

#include <atomic>
#include <exception>
#include <utility>

namespace mldesk::core {

// Runs `work()` here (a worker thread). On the thread of `job`: `running` is cleared, then `succeeded(result)` or
// `failed(message)` (the exception's text) is called.
template <typename Work, typename Succeeded, typename Failed>
void postJobOutcome(QObject *job, std::atomic_bool &running, Work &&work, Succeeded succeeded, Failed failed)
{
    try {
        auto result = std::forward<Work>(work)();
        QMetaObject::invokeMethod(
            job,
            [&running, succeeded = std::move(succeeded), result = std::move(result)] {
                running = false;
                succeeded(result);
            },
            Qt::QueuedConnection);
    } catch (const std::exception &e) {
        QMetaObject::invokeMethod(
            job,
            [&running, failed = std::move(failed), message = QString::fromUtf8(e.what())] {
                running = false;
                failed(message);
            },
            Qt::QueuedConnection);
    }
}

} // namespace mldesk::core
