// DatasetReference: the "{dataset:NAME[:VERSION][:mount|download]}" placeholders of run arguments - parse, find in
// an argument, and substitute with the folder a run gets (Azure ML's dataset.as_mount() / as_download()).
#pragma once

#include <QList>
#include <QString>

#include <functional>

namespace mldesk::core {

struct DatasetReference {
    enum class Mode { Mount, Download };
    QString name;
    int version = 0; // 0 = latest (pinned at submission)
    Mode mode = Mode::Mount;

    // One placeholder's inside ("dataset:mnist:2:download") or whole ("{dataset:mnist}"). Throws WorkspaceError
    // naming what is wrong.
    static DatasetReference parse(const QString &text);
    // Every placeholder in argument, in order. Throws WorkspaceError for a malformed one.
    static QList<DatasetReference> findAll(const QString &argument);
    // argument with each placeholder replaced by replacement(reference).
    static QString substitute(const QString &argument,
                              const std::function<QString(const DatasetReference &)> &replacement);
    QString toString() const; // canonical "{dataset:NAME[:VERSION]:MODE}"
    static QString modeName(Mode mode)
    {
        return mode == Mode::Mount ? QStringLiteral("mount") : QStringLiteral("download");
    }
};

} // namespace mldesk::core
