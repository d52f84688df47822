// StatementCounter: counts the statements SQLite starts on one connection (all of them: Qt's, ours), through SQLite's
// trace hook on the connection's own handle - how the ui tests prove that a pane's reads run off the GUI thread (issue
// 12: zero statements on the GUI thread's connection). Tests using it link SQLite::SQLite3.
#pragma once

#include "core/store/Database.h"

#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

namespace mldesk::test {

class StatementCounter final {
public:
    explicit StatementCounter(core::Database &db)
    {
        const QVariant handle = db.connection().driver()->handle();
        m_sqlite = *static_cast<sqlite3 *const *>(handle.data());
        sqlite3_trace_v2(m_sqlite, SQLITE_TRACE_STMT, &StatementCounter::trace, this);
    }
    ~StatementCounter() { sqlite3_trace_v2(m_sqlite, 0, nullptr, nullptr); }
    StatementCounter(const StatementCounter &) = delete;
    StatementCounter &operator=(const StatementCounter &) = delete;
    int count() const { return m_count; }

private:
    static int trace(unsigned, void *self, void *, void *)
    {
        ++static_cast<StatementCounter *>(self)->m_count;
        return 0;
    }
    sqlite3 *m_sqlite = nullptr;
    int m_count = 0;
};

} // namespace mldesk::test
