// endpoint commands: deploy a registered model version as a scoring endpoint (mldesk-serve, supervised), list and
// show endpoints with their Azure-style state, print or follow their logs, show and regenerate their two keys, send
// a request, stop, start and delete. `show --json` gives state and scoring_uri; `keys --json` primary and secondary.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/endpoints/EndpointService.h"
#include "core/http/HttpClient.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

QList<Output::Field> fields(const core::Endpoint &e, const core::EndpointStatus &s)
{
    return {
        {u"name"_s, u"NAME"_s, e.name},
        {u"state"_s, u"STATE"_s, core::endpointStateName(s.state)},
        {u"scoring_uri"_s, u"SCORING URI"_s, e.scoringUri()},
        {u"model"_s, u"MODEL"_s, e.model()},
        {u"started"_s, u"STARTED (UTC)"_s, e.started.isValid() ? e.started.toString(Qt::ISODate) : QString()},
    };
}

core::EndpointStatus waitForState(core::EndpointService &service, const QString &name, int timeoutS)
{
    QDeadlineTimer deadline(qint64(timeoutS) * 1000);
    for (;;) {
        const core::EndpointStatus s = service.status(service.get(name));
        if (s.state != core::EndpointState::Transitioning || deadline.hasExpired())
            return s;
        QThread::msleep(100);
    }
}

int reportStarted(CliContext &context, core::EndpointService &service, const QString &name)
{
    const int timeout = context.isSet(u"timeout"_s) ? context.value(u"timeout"_s).toInt() : 60;
    const core::EndpointStatus s =
        context.isSet(u"no-wait"_s) ? service.status(service.get(name)) : waitForState(service, name, timeout);
    const core::Endpoint e = service.get(name);
    context.out().note(u"Endpoint '%1' is %2 at %3"_s.arg(e.name, core::endpointStateName(s.state), e.scoringUri()));
    if (context.out().json())
        context.out().record(fields(e, s));
    if (s.state == core::EndpointState::Failed || s.state == core::EndpointState::Unhealthy) {
        Output::error(u"endpoint '%1' did not come up: %2 (see mldesk-cli endpoint logs %1)"_s.arg(name, s.detail));
        return ExitUserError;
    }
    return ExitOk;
}

int create(CliContext &context)
{
    core::EndpointCreateParams p;
    p.name = context.arguments().at(0);
    p.model = context.value(u"model"_s);
    if (p.model.isEmpty())
        throw UsageError(u"say which model version to deploy: --model NAME:VERSION"_s);
    if (context.isSet(u"device"_s))
        p.device = context.value(u"device"_s);
    p.entry = context.value(u"entry"_s);
    p.source = context.value(u"source"_s);
    p.environment = context.value(u"environment"_s);
    if (p.entry.isEmpty() && (!p.source.isEmpty() || !p.environment.isEmpty()))
        throw UsageError(u"--source and --environment go with --entry score.py"_s);
    if (context.isSet(u"host"_s))
        p.host = context.value(u"host"_s);
    if (context.isSet(u"port"_s)) {
        bool ok = false;
        p.port = context.value(u"port"_s).toInt(&ok);
        if (!ok || p.port <= 0 || p.port > 65535)
            throw UsageError(u"--port needs a port number 1-65535, not '%1'"_s.arg(context.value(u"port"_s)));
    }
    core::EndpointService service(context.workspace());
    QStringList warnings;
    service.create(p, &warnings);
    for (const QString &w : warnings)
        Output::toStderr(u"WARNING: "_s + w + u'\n');
    return reportStarted(context, service, p.name);
}

int list(CliContext &context)
{
    core::EndpointService service(context.workspace());
    QList<QList<Output::Field>> rows;
    for (const core::Endpoint &e : service.list())
        rows.append(fields(e, service.status(e)));
    context.out().table(rows, fields(core::Endpoint{}, core::EndpointStatus{}));
    return ExitOk;
}

int show(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const core::Endpoint e = service.get(context.arguments().at(0));
    const core::EndpointStatus s = service.status(e);
    QList<Output::Field> f = fields(e, s);
    auto add = [&f](const QString &key, const QString &label, const QJsonValue &value) {
        f.append(Output::Field{key, label, value});
    };
    add(u"detail"_s, u"DETAIL"_s, s.detail);
    add(u"swagger_uri"_s, u"SWAGGER URI"_s, QString(e.baseUri() + u"/swagger.json"_s));
    add(u"metrics_uri"_s, u"METRICS URI"_s, QString(e.baseUri() + u"/metrics"_s));
    add(u"host"_s, u"HOST"_s, e.host);
    add(u"port"_s, u"PORT"_s, e.port);
    add(u"restarts"_s, u"RESTARTS"_s, s.restarts);
    add(u"created"_s, u"CREATED (UTC)"_s, e.created.toString(Qt::ISODate));
    add(u"log"_s, u"LOG"_s, service.logFile(e));
    context.out().record(f);
    return ExitOk;
}

int logs(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const QString name = context.arguments().at(0);
    const core::Endpoint e = service.get(name);
    QFile file(service.logFile(e));
    qint64 offset = 0;
    auto printNew = [&] {
        if (!file.isOpen() && !file.open(QIODevice::ReadOnly))
            return;
        file.seek(offset);
        const QByteArray bytes = file.readAll();
        offset += bytes.size();
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        std::fflush(stdout);
    };
    printNew();
    if (!context.isSet(u"follow"_s))
        return ExitOk;
    // Until the endpoint is stopped or deleted (or the user presses Ctrl-C).
    for (;;) {
        QThread::msleep(250);
        printNew();
        const auto now = core::EndpointService(context.workspace()).list();
        const auto it = std::find_if(now.begin(), now.end(), [&](const core::Endpoint &x) { return x.name == name; });
        if (it == now.end() || !it->wantRunning)
            break;
    }
    printNew();
    return ExitOk;
}

int keys(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const core::EndpointKeyPair k = service.keys(context.arguments().at(0));
    context.out().record({{u"primary"_s, u"PRIMARY"_s, k.primary}, {u"secondary"_s, u"SECONDARY"_s, k.secondary}});
    return ExitOk;
}

int regenerateKey(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const QString which = context.arguments().at(1);
    const core::EndpointKeyPair k = service.regenerateKey(context.arguments().at(0), which);
    context.out().note(u"Regenerated the %1 key; the old one no longer works"_s.arg(which));
    if (context.out().json())
        context.out().record({{u"primary"_s, u"PRIMARY"_s, k.primary}, {u"secondary"_s, u"SECONDARY"_s, k.secondary}});
    return ExitOk;
}

int invoke(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const core::Endpoint e = service.get(context.arguments().at(0));
    const QString path = context.value(u"file"_s);
    if (path.isEmpty())
        throw UsageError(u"say what to send: --file request.json ({\"data\": [[...], ...]})"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw core::WorkspaceError(u"cannot read %1: %2"_s.arg(path, file.errorString()));
    const core::EndpointKeyPair k = service.keys(e.name);
    core::HttpRequest request;
    request.method = "POST";
    request.url = QUrl(e.scoringUri() + (context.isSet(u"probabilities"_s) ? u"?probabilities=true"_s : QString()));
    request.headers = {
        {"Content-Type", "application/json"},
        {"Authorization", "Bearer " + (context.isSet(u"secondary"_s) ? k.secondary : k.primary).toLatin1()}};
    request.body = file.readAll();
    core::HttpOptions options;
    options.maxRetries = 0;
    const core::HttpResponse response = core::HttpClient::create()->send(request, options);
    if (response.status == 0)
        throw core::WorkspaceError(u"endpoint '%1' did not answer at %2: %3 (mldesk-cli endpoint show %1)"_s.arg(
            e.name, e.scoringUri(), response.error));
    if (response.status != 200) {
        const QString message = QJsonDocument::fromJson(response.body).object().value(u"error"_s).toString();
        Output::error(u"endpoint '%1' answered %2: %3"_s.arg(e.name)
                          .arg(response.status)
                          .arg(message.isEmpty() ? QString::fromUtf8(response.body) : message));
        return ExitUserError;
    }
    Output::text(QString::fromUtf8(response.body) + u'\n');
    return ExitOk;
}

int stop(CliContext &context)
{
    core::EndpointService service(context.workspace());
    const core::Endpoint e = service.stop(context.arguments().at(0));
    context.out().note(u"Stopped endpoint '%1'"_s.arg(e.name));
    if (context.out().json())
        context.out().record(fields(e, service.status(e)));
    return ExitOk;
}

int start(CliContext &context)
{
    core::EndpointService service(context.workspace());
    service.start(context.arguments().at(0));
    return reportStarted(context, service, context.arguments().at(0));
}

int remove(CliContext &context)
{
    core::EndpointService service(context.workspace());
    service.remove(context.arguments().at(0));
    context.out().note(u"Deleted endpoint '%1'"_s.arg(context.arguments().at(0)));
    return ExitOk;
}

QList<QCommandLineOption> waitOptions()
{
    return {QCommandLineOption(u"no-wait"_s, u"Do not wait for it to answer."_s),
            QCommandLineOption(u"timeout"_s, u"Seconds to wait for it to answer (default 60)."_s, u"S"_s)};
}

} // namespace

void registerEndpointCommands(CommandRegistry &registry)
{
    QList<QCommandLineOption> createOptions = {
        QCommandLineOption(u"model"_s, u"The model version to serve, NAME:VERSION."_s, u"NAME:VERSION"_s),
        QCommandLineOption(u"port"_s, u"Port to listen on (default: a free one)."_s, u"N"_s),
        QCommandLineOption(u"host"_s, u"Address to bind (default 127.0.0.1; others are reachable from the network)."_s,
                           u"HOST"_s),
        QCommandLineOption(u"device"_s, u"Where the forward pass runs: cpu (default) or cuda."_s, u"cpu|cuda"_s),
        QCommandLineOption(u"entry"_s, u"An Azure-style score.py: init() once, run(raw_data) per request."_s,
                           u"FILE"_s),
        QCommandLineOption(u"source"_s, u"The folder holding the entry script (copied into the endpoint)."_s, u"DIR"_s),
        QCommandLineOption(u"environment"_s,
                           u"Where the entry script runs: System-Python (default), a conda or a container "
                           u"environment."_s,
                           u"ENV[:VERSION]"_s)};
    createOptions += waitOptions();
    registry.add({u"endpoint"_s, u"create"_s, u"NAME"_s,
                  u"Deploy a registered model version as a scoring endpoint (mldesk-serve, supervised)."_s,
                  createOptions, 1, 1, create});
    registry.add({u"endpoint"_s, u"list"_s, {}, u"List the endpoints with state and scoring URI."_s, {}, 0, 0, list});
    registry.add({u"endpoint"_s,
                  u"show"_s,
                  u"NAME"_s,
                  u"Show an endpoint: state, scoring URI, model, started."_s,
                  {},
                  1,
                  1,
                  show});
    registry.add({u"endpoint"_s,
                  u"logs"_s,
                  u"NAME"_s,
                  u"Print an endpoint's log (--follow: keep printing)."_s,
                  {QCommandLineOption(u"follow"_s, u"Keep printing new lines until the endpoint is stopped."_s)},
                  1,
                  1,
                  logs});
    registry.add(
        {u"endpoint"_s, u"keys"_s, u"NAME"_s, u"Print the endpoint's primary and secondary keys."_s, {}, 1, 1, keys});
    registry.add({u"endpoint"_s,
                  u"regenerate-key"_s,
                  u"NAME primary|secondary"_s,
                  u"Replace one key; the running server takes the new one at once."_s,
                  {},
                  2,
                  2,
                  regenerateKey});
    registry.add({u"endpoint"_s,
                  u"invoke"_s,
                  u"NAME"_s,
                  u"Send a scoring request and print the answer."_s,
                  {QCommandLineOption(u"file"_s, u"The request body, {\"data\": [[...], ...]}."_s, u"FILE"_s),
                   QCommandLineOption(u"probabilities"_s, u"Also return the softmax rows."_s),
                   QCommandLineOption(u"secondary"_s, u"Use the secondary key."_s)},
                  1,
                  1,
                  invoke});
    registry.add(
        {u"endpoint"_s, u"stop"_s, u"NAME"_s, u"Stop an endpoint (it stays, with its keys)."_s, {}, 1, 1, stop});
    registry.add({u"endpoint"_s, u"start"_s, u"NAME"_s, u"Start a stopped (or failed) endpoint again."_s, waitOptions(),
                  1, 1, start});
    registry.add({u"endpoint"_s,
                  u"delete"_s,
                  u"NAME"_s,
                  u"Stop and delete an endpoint, its folder and its keys."_s,
                  {},
                  1,
                  1,
                  remove});
}

} // namespace mldesk::cli
