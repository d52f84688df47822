// ExperimentStore: create, find and list experiments (named groups of runs) in a workspace's database.
#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace mldesk::core {

class Database;

struct Experiment {
    qint64 id = 0;
    QString name;
    QString description;
    QDateTime created; // UTC
    int runCount = 0;
};

class ExperimentStore final {
public:
    explicit ExperimentStore(Database &db) : m_db(db) {}

    // Throws WorkspaceError when name is not valid or an experiment of that name exists.
    Experiment create(const QString &name, const QString &description = {});
    std::optional<Experiment> find(const QString &name) const;
    QList<Experiment> list() const; // by name

    // Letters, digits, '_', '-', '.', starting with a letter or digit, at most 255 characters.
    static bool isValidName(const QString &name);

private:
    Database &m_db;
};

} // namespace mldesk::core
