// WorkspaceError: carries a user-facing message as UTF-8 in std::runtime_error.
#include "core/workspace/WorkspaceError.h"

namespace mldesk::core {

WorkspaceError::WorkspaceError(const QString &message) : std::runtime_error(message.toStdString()) {}

QString WorkspaceError::message() const
{
    return QString::fromUtf8(what());
}

} // namespace mldesk::core
