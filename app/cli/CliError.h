// UsageError: the command line itself is wrong (unknown command, missing argument). Exit code 1, like
// core::WorkspaceError; any other exception is an internal error (exit code 2).
#pragma once

#include <QString>

#include <stdexcept>

namespace mldesk::cli {

class UsageError : public std::runtime_error {
public:
    explicit UsageError(const QString &message) : std::runtime_error(message.toStdString()) {}
    QString message() const { return QString::fromUtf8(what()); }
};

enum ExitCode { ExitOk = 0, ExitUserError = 1, ExitInternalError = 2 };

} // namespace mldesk::cli
