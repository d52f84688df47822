// Migrations: the schema of workspace.db as an ordered list of forward steps, one place for all of them.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class Database;

struct Migration {
    int version = 0;     // schema version after this step
    QString description; // one line
    // Portable SQL; the tokens {ID} (the dialect's auto-increment primary key column type) and {BLOB} (its
    // binary column type) are replaced by Database.
    QStringList statements;
    // Then, when set: C++ that moves data into a shape SQL cannot build portably (packing rows into blobs). Runs
    // inside the same transaction.
    void (*migrate)(Database &db) = nullptr;
};

// In ascending version order, starting at 1, without gaps.
const QList<Migration> &migrations();

} // namespace mldesk::core
