// WorkspaceError: a problem the user caused (bad path, bad file, name clash). Its message says what is wrong
// and what to do; the CLI prints it as one line and exits 1, the GUI shows it in a message box.
#pragma once

#include <QString>

#include <stdexcept>

namespace mldesk::core {

class WorkspaceError : public std::runtime_error {
public:
    explicit WorkspaceError(const QString &message);
    QString message() const;
};

} // namespace mldesk::core
