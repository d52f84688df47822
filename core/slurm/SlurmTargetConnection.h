// SlurmTargetConnection: the SlurmClient::Connection of a Slurm compute target - URL, API version, user, and the
// token from the environment variable the target names or from the system keychain (asynchronous).
#pragma once

#include "core/compute/SlurmTargetConfig.h"
#include "core/slurm/SlurmClient.h"

#include <QObject>

#include <functional>

namespace mldesk::core {

class SlurmTargetConnection final {
public:
    // Where the target's token comes from, for messages: "environment variable SLURM_JWT".
    static QString tokenSource(const SlurmTargetConfig &config);
    // The connection with the given token (may be empty: the client then explains where it should come from).
    static SlurmClient::Connection make(const SlurmTargetConfig &config, const QString &token);
    // With the token from the environment; keychain targets get an empty token (use resolve()).
    static SlurmClient::Connection fromEnvironment(const SlurmTargetConfig &config);
    // Resolves the token (environment: at once; keychain: asynchronously) and calls done on context's thread with
    // the connection, or an error that says what to do.
    static void resolve(const SlurmTargetConfig &config, const QString &workspacePath, const QString &targetName,
                        QObject *context,
                        std::function<void(const SlurmClient::Connection &, const QString &error)> done);
};

} // namespace mldesk::core
