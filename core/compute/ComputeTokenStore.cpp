// ComputeTokenStore: QtKeychain jobs with a timeout guard; see the header.
#include "core/compute/ComputeTokenStore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString keychainHint()
{
    return u" (is a keyring service such as gnome-keyring or KWallet running in this session? Without one, keep the "
           u"token in an environment variable and create the target with --token-env VAR)"_s;
}

// Starts job and calls finish(job) or timeout() once, whichever comes first, on context's thread.
void runGuarded(QKeychain::Job *job, QObject *context, int timeoutMs, std::function<void(QKeychain::Job *)> finish,
                std::function<void()> timeout)
{
    auto answered = std::make_shared<bool>(false);
    QPointer<QObject> guard(context);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text file
    QObject::connect(job, &QKeychain::Job::finished, context, [answered, finish](QKeychain::Job *j) {
        if (*answered)
            return;
        *answered = true;
        finish(j);
    });
    QTimer::singleShot(timeoutMs, context, [answered, timeout] {
        if (*answered)
            return;
        *answered = true;
        timeout();
    });
    job->start();
}

QString jobError(QKeychain::Job *job, const QString &what)
{
    if (job->error() == QKeychain::NoError)
        return {};
    if (job->error() == QKeychain::EntryNotFound)
        return u"no token is stored in the system keychain for %1; store one again (compute create ... --token-stdin) "
               u"or use --token-env VAR"_s.arg(what);
    return u"the system keychain failed to %1: %2"_s.arg(what, job->errorString()) + keychainHint();
}

} // namespace

QString ComputeTokenStore::keyFor(const QString &workspacePath, const QString &targetName)
{
    const QByteArray ws =
        QCryptographicHash::hash(QDir::cleanPath(workspacePath).toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
    return u"slurm-token/"_s + QString::fromLatin1(ws) + u'/' + targetName;
}

void ComputeTokenStore::store(const QString &key, const QString &token, QObject *context,
                              std::function<void(const QString &)> done, int timeoutMs)
{
    auto *job = new QKeychain::WritePasswordJob(service());
    job->setKey(key);
    job->setTextData(token);
    runGuarded(
        job, context, timeoutMs,
        [done, key](QKeychain::Job *j) { done(jobError(j, u"store the token %1"_s.arg(key))); },
        [done, timeoutMs] {
            done(u"the system keychain did not answer within %1 s"_s.arg(timeoutMs / 1000.0) + keychainHint());
        });
}

void ComputeTokenStore::read(const QString &key, QObject *context,
                             std::function<void(const QString &, const QString &)> done, int timeoutMs)
{
    auto *job = new QKeychain::ReadPasswordJob(service());
    job->setKey(key);
    runGuarded(
        job, context, timeoutMs,
        [done, key](QKeychain::Job *j) {
            const QString error = jobError(j, key);
            done(error.isEmpty() ? static_cast<QKeychain::ReadPasswordJob *>(j)->textData() : QString(), error);
        },
        [done, timeoutMs] {
            done({}, u"the system keychain did not answer within %1 s"_s.arg(timeoutMs / 1000.0) + keychainHint());
        });
}

void ComputeTokenStore::remove(const QString &key, QObject *context, std::function<void(const QString &)> done,
                               int timeoutMs)
{
    auto *job = new QKeychain::DeletePasswordJob(service());
    job->setKey(key);
    runGuarded(
        job, context, timeoutMs,
        [done, key](QKeychain::Job *j) {
            done(j->error() == QKeychain::EntryNotFound ? QString() : jobError(j, u"delete the token %1"_s.arg(key)));
        },
        [done, timeoutMs] {
            done(u"the system keychain did not answer within %1 s"_s.arg(timeoutMs / 1000.0) + keychainHint());
        });
}

QString ComputeTokenStore::fromEnvironment(const SlurmTargetConfig &config, QString *error)
{
    if (config.tokenEnv.isEmpty()) {
        if (error)
            *error = u"this target does not name an environment variable for its token"_s;
        return {};
    }
    const QString token = qEnvironmentVariable(config.tokenEnv.toLocal8Bit().constData()).trimmed();
    if (token.isEmpty() && error)
        *error = u"the environment variable %1, which should hold this target's Slurm token, is not set or empty; "
                 u"set it (e.g. export %1=$(scontrol token | cut -d= -f2)) and try again"_s.arg(config.tokenEnv);
    return token;
}

} // namespace mldesk::core
