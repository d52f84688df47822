// Helpers of the Slurm unit tests: answers recorded from a real slurmrestd (tests/slurm/data/<version>/, made by
// record-responses*.sh), JWTs with chosen claims, and an HttpClient that replays queued answers and keeps the
// requests it was sent.
#pragma once

#include "core/http/HttpClient.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace mldesk::test {

inline QByteArray recordedSlurm(const QString &dir, const QString &name)
{
    QFile f(dir + QLatin1Char('/') + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing recorded answer %s", qPrintable(f.fileName()));
    return f.readAll();
}

inline core::HttpResponse recordedSlurmResponse(const QString &dir, const QString &name)
{
    core::HttpResponse r;
    r.status = recordedSlurm(dir, name + QStringLiteral(".status")).trimmed().toInt();
    r.body = recordedSlurm(dir, name);
    return r;
}

// "header.payload.signature" with the given claims (the signature is not checked by the client).
inline QString slurmJwt(const QJsonObject &claims)
{
    const auto enc = [](const QByteArray &b) {
        return QString::fromLatin1(b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    };
    return enc(R"({"alg":"HS256","typ":"JWT"})") + QLatin1Char('.') +
           enc(QJsonDocument(claims).toJson(QJsonDocument::Compact)) + QStringLiteral(".c2lnbmF0dXJl");
}

inline QByteArray headerOf(const core::HttpRequest &r, const QByteArray &name)
{
    for (const auto &[k, v] : r.headers)
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    return {};
}

// Answers each request with the next queued response and keeps the requests.
class ReplayHttpClient final : public core::HttpClient {
public:
    QList<core::HttpRequest> requests;
    QList<core::HttpResponse> answers;

    core::HttpResponse send(const core::HttpRequest &request, const core::HttpOptions &) override
    {
        requests.append(request);
        return answers.isEmpty() ? core::HttpResponse{} : answers.takeFirst();
    }
    core::DownloadResult download(const QUrl &, const QString &, const core::HttpOptions &,
                                  const std::function<void(const core::DownloadProgress &)> &,
                                  const std::atomic_bool *) override
    {
        return {};
    }
    void sendAsync(const core::HttpRequest &, const core::HttpOptions &, QObject *,
                   std::function<void(const core::HttpResponse &)>) override
    {
    }
};

} // namespace mldesk::test
