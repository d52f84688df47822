// ComputeTokenStore: where a Slurm target's JWT lives - the system keychain (QtKeychain; never its plain-file
// fallback) or an environment variable named in the target. Tokens never go to workspace.db, config.json or logs.
// Keychain calls are asynchronous; each answers exactly once, on the context's thread, or with a clear error after
// a timeout (headless machines often have no keyring daemon).
#pragma once

#include "core/compute/SlurmTargetConfig.h"

#include <QObject>
#include <QString>

#include <functional>

namespace mldesk::core {

class ComputeTokenStore final {
public:
    static QString service() { return QStringLiteral("MLDesk"); }
    // One key per workspace and target.
    static QString keyFor(const QString &workspacePath, const QString &targetName);

    // done(error): error is empty on success.
    static void store(const QString &key, const QString &token, QObject *context,
                      std::function<void(const QString &error)> done, int timeoutMs = 5000);
    // done(token, error).
    static void read(const QString &key, QObject *context,
                     std::function<void(const QString &token, const QString &error)> done, int timeoutMs = 5000);
    static void remove(const QString &key, QObject *context, std::function<void(const QString &error)> done,
                       int timeoutMs = 5000);

    // The token held by the environment variable config.tokenEnv; empty with *error set when unset or empty.
    static QString fromEnvironment(const SlurmTargetConfig &config, QString *error);
};

} // namespace mldesk::core
