// SlurmTargetConfig: validation and JSON form; see the header.
#include "core/compute/SlurmTargetConfig.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace mldesk::core {

bool SlurmTargetConfig::isValidEnvironmentName(const QString &name)
{
    static const QRegularExpression re(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    return re.match(name).hasMatch();
}

int SlurmTargetConfig::timeLimitMinutes() const
{
    const QString t = timeLimit.trimmed();
    if (t.isEmpty())
        return -1;
    // Slurm's forms: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S".
    static const QRegularExpression re(u"^(?:(\\d+)-)?(\\d+)(?::(\\d+))?(?::(\\d+))?$"_s);
    const QRegularExpressionMatch m = re.match(t);
    if (!m.hasMatch())
        return -2;
    const bool hasDays = m.capturedLength(1) > 0;
    const qint64 a = m.captured(2).toLongLong();
    const bool hasB = m.capturedLength(3) > 0;
    const bool hasC = m.capturedLength(4) > 0;
    const qint64 b = m.captured(3).toLongLong();
    const qint64 c = m.captured(4).toLongLong();
    qint64 seconds = 0;
    if (hasDays) {
        const qint64 days = m.captured(1).toLongLong();
        seconds = days * 86400 + a * 3600 + (hasB ? b * 60 : 0) + (hasC ? c : 0);
    } else if (hasC) {
        seconds = a * 3600 + b * 60 + c; // H:M:S
    } else if (hasB) {
        seconds = a * 60 + b; // M:S
    } else {
        seconds = a * 60; // M
    }
    if (seconds <= 0 || seconds > 365LL * 86400)
        return -2;
    return int((seconds + 59) / 60);
}

QString SlurmTargetConfig::plainHttpWarning() const
{
    const QUrl parsed(url.trimmed());
    if (parsed.scheme().toLower() != u"http"_s)
        return {};
    const QString host = parsed.host().toLower();
    static const QRegularExpression loopback4(u"^127\\.[0-9]+\\.[0-9]+\\.[0-9]+$"_s);
    if (host == u"localhost"_s || host.endsWith(u".localhost"_s) || host == u"::1"_s ||
        loopback4.match(host).hasMatch())
        return {};
    return u"the slurmrestd URL %1 is plain http to another machine: the Slurm token travels unencrypted and anyone "
           u"on the network can read and reuse it. Use https (e.g. slurmrestd behind a TLS proxy) or an SSH tunnel "
           u"to a loopback port"_s.arg(parsed.toDisplayString(QUrl::RemoveUserInfo));
}

QStringList SlurmTargetConfig::validate() const
{
    QStringList problems;
    const QUrl parsed(url.trimmed(), QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (url.trimmed().isEmpty())
        problems.append(u"url: missing; give the slurmrestd address, e.g. http://127.0.0.1:6820"_s);
    else if (!parsed.isValid() || (scheme != u"http"_s && scheme != u"https"_s) || parsed.host().isEmpty())
        problems.append(
            u"url: '%1' is not an http(s) URL; give the slurmrestd address, e.g. http://127.0.0.1:6820"_s.arg(url));
    static const QRegularExpression apiRe(u"^(auto|v0\\.0\\.[0-9]+)$"_s);
    if (!apiRe.match(apiVersion).hasMatch())
        problems.append(
            u"api_version: '%1' is not a slurmrestd API version: give auto (the default) or one such as v0.0.42"_s.arg(
                apiVersion));
    static const QRegularExpression userRe(u"^[a-z_][a-z0-9_.-]*[$]?$"_s, QRegularExpression::CaseInsensitiveOption);
    if (user.isEmpty())
        problems.append(u"user: missing; give the cluster user name the jobs run as"_s);
    else if (!userRe.match(user).hasMatch())
        problems.append(u"user: '%1' is not a valid user name"_s.arg(user));
    static const QRegularExpression partitionRe(u"^[A-Za-z0-9_.-]*$"_s);
    if (!partitionRe.match(partition).hasMatch())
        problems.append(u"partition: '%1' is not a valid partition name"_s.arg(partition));
    if (nodesMin < 1)
        problems.append(u"nodes_min: %1 is below 1"_s.arg(nodesMin));
    if (nodesMax < 1)
        problems.append(u"nodes_max: %1 is below 1"_s.arg(nodesMax));
    if (nodesMin > nodesMax)
        problems.append(
            u"nodes_min: %1 is more than nodes_max (%2); the minimum cannot exceed the maximum"_s.arg(nodesMin).arg(
                nodesMax));
    if (gpusPerNode < 0)
        problems.append(u"gpus_per_node: %1 is negative"_s.arg(gpusPerNode));
    if (timeLimitMinutes() == -2)
        problems.append(u"time_limit: '%1' is not a Slurm time such as 60, 02:00:00 or 1-12:00:00"_s.arg(timeLimit));
    if (sharedDirLocal.isEmpty())
        problems.append(u"shared_dir: missing; give a folder that this machine and the cluster's nodes both see"_s);
    else if (!QDir::isAbsolutePath(sharedDirLocal))
        problems.append(u"shared_dir: '%1' is not an absolute path"_s.arg(sharedDirLocal));
    else if (!QFileInfo(sharedDirLocal).isDir())
        problems.append(u"shared_dir: %1 does not exist or is not a folder on this machine"_s.arg(sharedDirLocal));
    if (!sharedDirCluster.isEmpty() && !sharedDirCluster.startsWith(u'/'))
        problems.append(u"shared_dir_cluster: '%1' is not an absolute path"_s.arg(sharedDirCluster));
    if (!tokenEnv.isEmpty() && !isValidEnvironmentName(tokenEnv))
        problems.append(u"token_env: '%1' is not an environment variable name"_s.arg(tokenEnv));
    if (tokenEnv.isEmpty() && !tokenInKeychain)
        problems.append(u"token: say where the JWT comes from: --token-env VAR (an environment variable) or "
                        u"--token-stdin (stored in the system keychain)"_s);
    return problems;
}

QJsonObject SlurmTargetConfig::toJson() const
{
    QJsonObject o{{u"url"_s, url},
                  {u"api_version"_s, apiVersion},
                  {u"user"_s, user},
                  {u"partition"_s, partition},
                  {u"nodes_min"_s, nodesMin},
                  {u"nodes_max"_s, nodesMax},
                  {u"gpus_per_node"_s, gpusPerNode},
                  {u"time_limit"_s, timeLimit},
                  {u"shared_dir"_s, sharedDirLocal},
                  {u"shared_dir_cluster"_s, sharedDirCluster},
                  {u"token_env"_s, tokenEnv},
                  {u"token_in_keychain"_s, tokenInKeychain}};
    if (containers)
        o.insert(u"containers"_s, true);
    return o;
}

SlurmTargetConfig SlurmTargetConfig::fromJson(const QJsonObject &o)
{
    SlurmTargetConfig c;
    c.url = o.value(u"url"_s).toString();
    c.apiVersion = o.value(u"api_version"_s).toString(QString::fromLatin1(kDefaultApiVersion));
    c.user = o.value(u"user"_s).toString();
    c.partition = o.value(u"partition"_s).toString();
    c.nodesMin = o.value(u"nodes_min"_s).toInt(1);
    c.nodesMax = o.value(u"nodes_max"_s).toInt(1);
    c.gpusPerNode = o.value(u"gpus_per_node"_s).toInt(0);
    c.timeLimit = o.value(u"time_limit"_s).toString();
    c.sharedDirLocal = o.value(u"shared_dir"_s).toString();
    c.sharedDirCluster = o.value(u"shared_dir_cluster"_s).toString();
    c.tokenEnv = o.value(u"token_env"_s).toString();
    c.tokenInKeychain = o.value(u"token_in_keychain"_s).toBool();
    c.containers = o.value(u"containers"_s).toBool();
    return c;
}

} // namespace mldesk::core
