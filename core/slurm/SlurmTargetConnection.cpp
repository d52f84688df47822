// SlurmTargetConnection: a compute target's Slurm settings and token, as a SlurmClient connection.
#include "core/slurm/SlurmTargetConnection.h"

#include "core/compute/ComputeTokenStore.h"

namespace mldesk::core {

QString SlurmTargetConnection::tokenSource(const SlurmTargetConfig &config)
{
    if (config.tokenInKeychain)
        return QStringLiteral(
            "the system keychain (store a new one with: mldesk-cli compute create ... --token-stdin)");
    return QStringLiteral("environment variable %1").arg(config.tokenEnv);
}

SlurmClient::Connection SlurmTargetConnection::make(const SlurmTargetConfig &config, const QString &token)
{
    SlurmClient::Connection c;
    c.url = QUrl(config.url);
    c.user = config.user;
    c.token = token;
    c.tokenSource = tokenSource(config);
    c.apiVersion =
        config.apiVersion.isEmpty() ? QString::fromLatin1(SlurmTargetConfig::kDefaultApiVersion) : config.apiVersion;
    return c;
}

SlurmClient::Connection SlurmTargetConnection::fromEnvironment(const SlurmTargetConfig &config)
{
    QString ignored; // an empty token is explained by the client, naming the variable
    return make(config, config.tokenInKeychain ? QString() : ComputeTokenStore::fromEnvironment(config, &ignored));
}

void SlurmTargetConnection::resolve(const SlurmTargetConfig &config, const QString &workspacePath,
                                    const QString &targetName, QObject *context,
                                    std::function<void(const SlurmClient::Connection &, const QString &)> done)
{
    if (!config.tokenInKeychain) {
        QString error;
        const QString token = ComputeTokenStore::fromEnvironment(config, &error);
        const SlurmClient::Connection c = make(config, token);
        QMetaObject::invokeMethod(
            context, [done, c, error] { done(c, error); }, Qt::QueuedConnection);
        return;
    }
    ComputeTokenStore::read(ComputeTokenStore::keyFor(workspacePath, targetName), context,
                            [config, targetName, done](const QString &token, const QString &error) {
                                QString why;
                                if (!error.isEmpty())
                                    why = QStringLiteral("the Slurm token of '%1' could not be read from the system "
                                                         "keychain: %2")
                                              .arg(targetName, error);
                                done(make(config, token), why);
                            });
}

} // namespace mldesk::core
