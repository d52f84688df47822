// Workspace: a folder holding config.json (name, format), workspace.db (the SQLite store) and blobs/.
// Create, open, discover (walk up from a folder like Azure ML's Workspace.from_config()) and the default location.
#pragma once

#include <QString>

#include <memory>

namespace mldesk::core {

class Database;
class BlobStore;

class Workspace final {
public:
    // The on-disk format this build writes into config.json ("format"). Other values are refused.
    static constexpr int kConfigFormat = 1;
    static QString configFileName() { return QStringLiteral("config.json"); }
    static QString databaseFileName() { return QStringLiteral("workspace.db"); }

    // Creates folder (and parents) as a new workspace. Throws WorkspaceError when folder is a file, is not
    // writable, already holds a workspace, or name is empty.
    static std::unique_ptr<Workspace> create(const QString &folder, const QString &name);
    // Opens an existing workspace and migrates its schema forward. Throws WorkspaceError when the folder or its
    // config.json/workspace.db is missing, unreadable, corrupt, of another format, or from a newer MLDesk.
    static std::unique_ptr<Workspace> open(const QString &folder);
    // The folder holding config.json: startFolder or its nearest parent; empty when there is none.
    static QString discover(const QString &startFolder);
    // <GenericDataLocation>/mldesk/workspaces/default (independent of the executable's application name, so
    // the GUI and the CLI agree; honours QStandardPaths test mode).
    static QString defaultLocation();
    // Opens defaultLocation(), creating it (named "default") on first use.
    static std::unique_ptr<Workspace> openOrCreateDefault();

    ~Workspace();
    Workspace(const Workspace &) = delete;
    Workspace &operator=(const Workspace &) = delete;

    QString name() const;
    QString path() const;                                                 // absolute, clean
    QString runsPath() const { return m_path + QStringLiteral("/runs"); } // live run directories: runs/<run-id>/
    int schemaVersion() const;

    struct Counts {
        int experiments = 0;
        int runs = 0;
        int datasets = 0;
        int environments = 0;
        int computeTargets = 0;
        int models = 0;
    };
    Counts counts() const;

    // The store connection of the thread that opened the workspace (see Database for other threads).
    Database &database();
    BlobStore &blobs();

private:
    Workspace(QString path, QString name, std::unique_ptr<Database> db, std::unique_ptr<BlobStore> blobs);

    QString m_path;
    QString m_name;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<BlobStore> m_blobs;
};

} // namespace mldesk::core
