// Migrations: the schema of workspace.db as an ordered list of forward steps, one place for all of them.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace mldesk::core {

struct Migration {
    int version = 0;     // schema version after this step
    QString description; // one line
    // Portable SQL; the token {ID} stands for the dialect's auto-increment primary key column type,
    // replaced by Database.
    QStringList statements;
};

// In ascending version order, starting at 1, without gaps.
const QList<Migration> &migrations();

} // namespace mldesk::core
