// StoreReader: workspace.db read on a thread of its own; see the header.
#include "core/store/StoreReader.h"

#include "core/store/Database.h"

#include <QtDebug>

namespace mldesk::core {

StoreReader::StoreReader(const Database &database) : m_receiver(std::make_unique<QObject>())
{
    m_receiver->setObjectName(QStringLiteral("storeReaderAnswers"));
    m_thread.setObjectName(QStringLiteral("mldesk-store-reader"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    QMetaObject::invokeMethod(
        m_context,
        [this, &database] {
            try {
                m_db = database.openForThisThread();
            } catch (const std::exception &e) {
                qWarning("store reader: cannot open the workspace database: %s", e.what());
            }
        },
        Qt::BlockingQueuedConnection);
}

StoreReader::~StoreReader()
{
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_db.reset(); // reads still queued behind this one find no connection and do nothing
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void StoreReader::post(std::function<void(Database &)> work)
{
    QMetaObject::invokeMethod(
        m_context,
        [this, work = std::move(work)] {
            if (m_db) {
                try {
                    work(*m_db);
                } catch (const std::exception &e) {
                    qWarning("store reader: %s", e.what());
                }
            }
            ++m_finished;
        },
        Qt::QueuedConnection);
}

} // namespace mldesk::core
