// EndpointService: endpoint folders, records and supervised server processes; see the header.
#include "core/endpoints/EndpointService.h"

#include "core/containers/ContainerCommand.h"
#include "core/containers/ContainerEngine.h"
#include "core/endpoints/EndpointStore.h"
#include "core/environments/EnvironmentPreparer.h"
#include "core/http/HttpClient.h"
#include "core/models/ModelRegistry.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/LocalRunLauncher.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QThread>

#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// A port nothing listens on now (the kernel's choice for port 0), avoiding those other endpoints hold.
int freePort(const QList<int> &taken)
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        int port = 0;
        if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
            port = ntohs(addr.sin_port);
        if (fd >= 0)
            ::close(fd);
        if (port > 0 && !taken.contains(port))
            return port;
    }
    throw WorkspaceError(u"no free port found; give one with --port N"_s);
}

QJsonObject processJson(const QString &folder)
{
    QFile file(folder + u"/process.json"_s);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// The last line of the server's log that says why it stopped (the supervisor's crash line or a server error).
QString lastProblem(const QString &logFile)
{
    QFile file(logFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    if (file.size() > 65536)
        file.seek(file.size() - 65536);
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (auto it = lines.crbegin(); it != lines.crend(); ++it)
        if (it->contains("error") || it->contains("restarting") || it->contains("cannot"))
            return QString::fromUtf8(it->trimmed());
    return {};
}

// Copies the files of source (and below) into target, keeping their paths.
void copyTree(const QString &source, const QString &target)
{
    QDirIterator it(source, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        const QString to = target + u'/' + QDir(source).relativeFilePath(file);
        QDir().mkpath(QFileInfo(to).absolutePath());
        if (!QFile::copy(file, to))
            throw WorkspaceError(u"cannot copy %1 into the endpoint"_s.arg(file));
    }
}

} // namespace

bool EndpointService::isLoopback(const QString &host)
{
    return host == u"127.0.0.1"_s || host == u"localhost"_s || host == u"::1"_s || host.startsWith(u"127."_s);
}

QString EndpointService::findServer()
{
    return LocalProcess::findProgram(u"mldesk-serve"_s, u"MLDESK_SERVE"_s, u"serve"_s);
}

QString EndpointService::logFile(const Endpoint &endpoint) const
{
    return endpoint.folder + u"/logs/std_log.txt"_s;
}

Endpoint EndpointService::create(const EndpointCreateParams &params, QStringList *warnings)
{
    static const QRegularExpression namePattern(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"_s);
    if (!namePattern.match(params.name).hasMatch())
        throw WorkspaceError(u"'%1' is not a valid endpoint name; use letters, digits, '_', '-' and '.', starting "
                             u"with a letter or digit (at most 63 characters)"_s.arg(params.name));
    if (params.port < 0 || params.port > 65535)
        throw WorkspaceError(
            u"--port %1 is not a port; use 1-65535 (or leave it out for a free one)"_s.arg(params.port));
    if (params.device != u"cpu"_s && params.device != u"cuda"_s)
        throw WorkspaceError(u"--device %1 is not a device; use cpu or cuda"_s.arg(params.device));
    if (params.host.trimmed().isEmpty())
        throw WorkspaceError(u"--host is empty; leave it out to serve on 127.0.0.1"_s);
    EndpointStore store(m_workspace.database());
    if (store.find(params.name))
        throw WorkspaceError(u"an endpoint named '%1' already exists; choose another name or delete it first "
                             u"(mldesk-cli endpoint delete %1)"_s.arg(params.name));
    ModelRegistry registry(m_workspace.database(), m_workspace.blobs());
    const ModelVersion model = registry.resolve(params.model);
    bool hasDescription = false;
    for (const ManifestEntry &f : model.files) {
        const QString file = f.path.section(u'/', -1);
        hasDescription |= file == u"model.json"_s || file == u"config.json"_s;
    }
    if (!hasDescription && params.entry.isEmpty())
        throw WorkspaceError(
            u"model %1 has no model.json (Keras model.to_json()) or config.json (Keras 3); "
            u"mldesk-serve serves Keras Sequential models natively; deploy other models with an entry script "
            u"(--entry score.py --source DIR)"_s.arg(model.qualifiedName()));
    const QList<int> taken = store.portsInUse();
    if (params.port && taken.contains(params.port))
        throw WorkspaceError(
            u"port %1 is used by another endpoint; pick another --port or leave it out"_s.arg(params.port));
    if (!findServer().size())
        throw WorkspaceError(u"mldesk-serve was not found; install it next to MLDesk or set MLDESK_SERVE"_s);

    Endpoint e;
    e.name = params.name;
    e.modelName = model.name;
    e.modelVersion = model.version;
    e.host = params.host.trimmed();
    e.port = params.port ? params.port : freePort(taken);
    e.wantRunning = params.start;
    e.folder = m_workspace.path() + u"/endpoints/"_s + params.name;
    if (QFileInfo::exists(e.folder))
        QDir(e.folder).removeRecursively(); // left over from an endpoint deleted by hand
    try {
        if (!QDir().mkpath(e.folder + u"/logs"_s))
            throw WorkspaceError(u"cannot create the endpoint folder %1"_s.arg(e.folder));
        for (const ManifestEntry &f : model.files) {
            const QString target = e.folder + u"/model/"_s + f.path;
            QDir().mkpath(QFileInfo(target).absolutePath());
            if (!QFile::copy(m_workspace.blobs().pathFor(f.hash), target))
                throw WorkspaceError(
                    u"cannot copy %1 of model %2 into %3"_s.arg(f.path, model.qualifiedName(), e.folder));
            QFile::setPermissions(target, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther);
        }
        if (!params.entry.isEmpty())
            e.configJson = prepareEntryScript(params, e.folder);
        else if (params.device != u"cpu"_s)
            e.configJson = QString::fromUtf8(
                QJsonDocument(QJsonObject{{u"device"_s, params.device}}).toJson(QJsonDocument::Compact));
        EndpointKeys::write(e.folder, {EndpointKeys::generate(), EndpointKeys::generate()});
        e = store.insert(e, model.id);
    } catch (...) {
        QDir(e.folder).removeRecursively();
        throw;
    }
    if (!isLoopback(e.host) && warnings)
        *warnings << u"the endpoint listens on %1, reachable from other machines; its traffic is plain HTTP, keep "
                     u"its keys secret"_s.arg(e.host);
    if (params.start)
        launch(e);
    return e;
}

QString EndpointService::prepareEntryScript(const EndpointCreateParams &params, const QString &folder)
{
    const QString source = params.source.isEmpty() ? QFileInfo(params.entry).absolutePath() : params.source;
    if (!QFileInfo(source).isDir())
        throw WorkspaceError(u"--source %1 is not a folder"_s.arg(source));
    const QString entryPath = QFileInfo(params.entry).isAbsolute() ? params.entry : source + u'/' + params.entry;
    const QString relative =
        QDir(QFileInfo(source).canonicalFilePath()).relativeFilePath(QFileInfo(entryPath).canonicalFilePath());
    if (!QFileInfo(entryPath).isFile() || relative.startsWith(u".."_s))
        throw WorkspaceError(u"the entry script %1 is not a file inside --source %2"_s.arg(params.entry, source));
    const QString envName = params.environment.isEmpty() ? u"System-Python"_s : params.environment;
    const EnvironmentVersion environment = EnvironmentRegistry(m_workspace.database()).resolve(envName);
    if (environment.kind == EnvironmentVersion::Kind::Native)
        throw WorkspaceError(u"environment %1 has no Python; run the entry script in System-Python, a conda or a "
                             u"container environment (--environment NAME)"_s.arg(envName));
    copyTree(source, folder + u"/source"_s);
    LocalRunLauncher::writeRunContextModule(folder + u"/.mldesk"_s);
    EnvironmentPreparer::Options options;
    options.workspacePath = m_workspace.path();
    options.runContextPythonPath = folder + u"/.mldesk"_s;
    const PreparedEnvironment prepared = EnvironmentPreparer::prepare(environment, options);
    QJsonObject variables;
    for (auto it = prepared.variables.begin(); it != prepared.variables.end(); ++it)
        variables.insert(it.key(), it.value());
    // The azureml.core shim (Model.get_model_path), as Azure's scripts import it.
    const QString runContext = prepared.variables.contains(u"PYTHONPATH"_s) ? prepared.variables.value(u"PYTHONPATH"_s)
                                                                            : QString(folder + u"/.mldesk"_s);
    variables.insert(u"PYTHONPATH"_s, QString(folder + u"/.mldesk/azureml-compat:"_s + runContext));
    QJsonObject config;
    config.insert(u"entry"_s, QString(u"source/"_s + relative));
    config.insert(u"python"_s, prepared.python);
    if (!prepared.containerImage.isEmpty()) // the workers run in `podman run` of this image (see launch())
        config.insert(u"container"_s, QJsonObject{{u"image"_s, prepared.containerImage},
                                                  {u"engine"_s, prepared.containerEngine},
                                                  {u"network"_s, environment.containerNetwork}});
    config.insert(u"environment"_s, QString(environment.name + u':' + QString::number(environment.version)));
    config.insert(u"variables"_s, variables);
    return QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact));
}

QList<Endpoint> EndpointService::list() const
{
    return EndpointStore(m_workspace.database()).list();
}

Endpoint EndpointService::get(const QString &name) const
{
    return EndpointStore(m_workspace.database()).get(name);
}

bool EndpointService::supervisorAlive(const Endpoint &endpoint) const
{
    return endpoint.processId > 0 && LocalProcess::isAlive({endpoint.processId, endpoint.processStartTicks});
}

void EndpointService::launch(Endpoint &endpoint)
{
    const QString supervisor = LocalProcess::findSupervisor();
    if (supervisor.isEmpty())
        throw WorkspaceError(u"mldesk-supervisor was not found; install it next to MLDesk or set MLDESK_SUPERVISOR"_s);
    QFile::remove(endpoint.folder + u"/exit.json"_s);
    QFile::remove(endpoint.folder + u"/process.json"_s);
    QProcess process;
    process.setProgram(supervisor);
    process.setArguments({u"--run-dir"_s, endpoint.folder, u"--restart"_s, u"on-failure"_s, u"--"_s, findServer(),
                          u"--model-dir"_s, u"model"_s, u"--keys-file"_s, u"keys"_s, u"--host"_s, endpoint.host,
                          u"--port"_s, QString::number(endpoint.port)});
    const QJsonObject config = QJsonDocument::fromJson(endpoint.configJson.toUtf8()).object();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"MLDESK_MODEL_NAME"_s, endpoint.modelName); // azureml.core's Model.get_model_path checks it
    if (config.contains(u"device"_s))
        process.setArguments(process.arguments() + QStringList{u"--device"_s, config[u"device"_s].toString()});
    if (config.contains(u"entry"_s)) {
        const QJsonObject variables = config[u"variables"_s].toObject();
        const QJsonObject container = config[u"container"_s].toObject();
        QStringList arguments{u"--entry"_s, config[u"entry"_s].toString(), u"--python"_s,
                              config[u"python"_s].toString()};
        if (!container.isEmpty()) {
            arguments[1] = endpoint.folder + u'/' + arguments[1]; // the workers' working folder is source/
            for (const QString &a : containerWorkerCommand(endpoint, container, variables))
                arguments << u"--worker-prefix"_s << a;
        } else {
            for (auto it = variables.begin(); it != variables.end(); ++it)
                environment.insert(it.key(), it.value().toString());
        }
        process.setArguments(process.arguments() + arguments);
    }
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(endpoint.folder);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(endpoint.folder + u"/logs/mldesk_system.txt"_s, QIODevice::Append);
    process.setStandardErrorFile(endpoint.folder + u"/logs/mldesk_system.txt"_s, QIODevice::Append);
    qint64 pid = 0;
    if (!process.startDetached(&pid) || pid <= 0)
        throw WorkspaceError(u"cannot start the endpoint's supervisor: %1"_s.arg(process.errorString()));
    const qint64 ticks = LocalProcess::startTicks(pid);
    EndpointStore(m_workspace.database()).setRunning(endpoint, true, pid, ticks, QDateTime::currentMSecsSinceEpoch());
    endpoint = get(endpoint.name);
}

QStringList EndpointService::containerWorkerCommand(const Endpoint &endpoint, const QJsonObject &container,
                                                    const QJsonObject &variables)
{
    const ContainerEngine engine = ContainerEngine::detect(container[u"engine"_s].toString());
    ContainerRunSpec spec;
    spec.name = u"mldesk-endpoint-"_s + endpoint.name + u"-{worker}"_s; // mldesk-serve makes each worker's unique
    spec.image = container[u"image"_s].toString();
    spec.workdir = endpoint.folder + u"/source"_s;
    spec.network = container[u"network"_s].toBool();
    spec.uid = ::getuid();
    spec.gid = ::getgid();
    ContainerCommand::currentLimits(&spec.openFiles, &spec.processes);
    // Read-only: the model (as Azure mounts it), the script and the azureml.core shim; never the keys beside them.
    for (const QString &sub : {u"/model"_s, u"/source"_s, u"/.mldesk"_s})
        spec.mounts.append({endpoint.folder + sub, endpoint.folder + sub, true});
    for (auto it = variables.begin(); it != variables.end(); ++it)
        if (it.key() != u"PATH"_s) // the image's own PATH finds its python
            spec.environment.insert(it.key(), it.value().toString());
    spec.environment.insert(u"AZUREML_MODEL_DIR"_s, endpoint.folder + u"/model"_s);
    spec.environment.insert(u"MLDESK_MODEL_NAME"_s, endpoint.modelName);
    spec.environment.insert(u"HOME"_s, u"/tmp"_s); // the user's uid has no home in the image
    spec.environment.insert(u"CUDA_VISIBLE_DEVICES"_s, QString());
    QStringList arguments = engine.globalArguments + ContainerCommand::runArguments(engine, spec);
    // -i: the worker's requests arrive on its stdin; when mldesk-serve goes, stdin ends and so does the container.
    arguments.insert(int(engine.globalArguments.size()) + 1, u"-i"_s);
    return QStringList{engine.program} + arguments;
}

Endpoint EndpointService::start(const QString &name)
{
    Endpoint e = get(name);
    if (supervisorAlive(e)) {
        EndpointStore(m_workspace.database()).setRunning(e, true, e.processId, e.processStartTicks, 0);
        return get(name);
    }
    launch(e);
    return e;
}

Endpoint EndpointService::stop(const QString &name, int graceMs)
{
    Endpoint e = get(name);
    EndpointStore store(m_workspace.database());
    store.setRunning(e, false, e.processId, e.processStartTicks, 0);
    if (supervisorAlive(e)) {
        LocalProcess::signalGroup(e.processId, SIGTERM);
        QDeadlineTimer deadline(graceMs);
        while (LocalProcess::groupExists(e.processId) && !deadline.hasExpired())
            QThread::msleep(20);
        if (LocalProcess::groupExists(e.processId))
            LocalProcess::signalGroup(e.processId, SIGKILL);
    }
    store.setRunning(e, false, 0, 0, 0);
    return get(name);
}

void EndpointService::remove(const QString &name)
{
    const Endpoint e = stop(name);
    EndpointStore(m_workspace.database()).remove(e);
    QDir(e.folder).removeRecursively();
}

EndpointStatus EndpointService::status(const Endpoint &endpoint, int timeoutMs) const
{
    EndpointStatus s;
    const QJsonObject process = processJson(endpoint.folder);
    s.restarts = process.value(u"restarts"_s).toInt();
    const bool supervisor = supervisorAlive(endpoint);
    if (!endpoint.wantRunning) {
        s.state = supervisor ? EndpointState::Transitioning : EndpointState::Stopped;
        s.detail = supervisor ? u"stopping"_s : QString();
        return s;
    }
    if (!supervisor) {
        s.state = EndpointState::Failed;
        const QString problem = lastProblem(logFile(endpoint));
        s.detail = u"its process is not running%1; start it again with mldesk-cli endpoint start %2"_s.arg(
            problem.isEmpty() ? QString() : u" (last: "_s + problem + u')', endpoint.name);
        return s;
    }
    s.serverPid = qint64(process.value(u"job_pid"_s).toDouble());
    if (s.serverPid <= 0) { // the supervisor has not written process.json yet
        s.state = EndpointState::Transitioning;
        s.detail = u"starting"_s;
        return s;
    }
    if (!LocalProcess::isAlive({s.serverPid, 0})) {
        s.state = EndpointState::Unhealthy;
        s.detail = u"restarting after a crash: "_s + lastProblem(logFile(endpoint));
        return s;
    }
    HttpRequest request;
    request.url = QUrl(endpoint.baseUri() + u"/ready"_s);
    HttpOptions options;
    options.connectTimeoutMs = timeoutMs;
    options.idleTimeoutMs = timeoutMs;
    options.maxRetries = 0;
    const HttpResponse response = HttpClient::create()->send(request, options);
    if (response.status == 200) {
        s.state = EndpointState::Healthy;
    } else if (response.status == 503 && response.body.contains("could not be loaded")) {
        s.state = EndpointState::Failed;
        s.detail =
            QString::fromUtf8(QJsonDocument::fromJson(response.body).object().value(u"error"_s).toString().toUtf8());
    } else {
        s.state = EndpointState::Transitioning;
        s.detail = response.status == 503 ? u"loading the model"_s : u"starting"_s;
    }
    return s;
}

EndpointKeyPair EndpointService::keys(const QString &name) const
{
    return EndpointKeys::read(get(name).folder);
}

EndpointKeyPair EndpointService::regenerateKey(const QString &name, const QString &which)
{
    if (which != u"primary"_s && which != u"secondary"_s)
        throw WorkspaceError(u"'%1' is not a key name; use primary or secondary"_s.arg(which));
    const Endpoint e = get(name);
    EndpointKeyPair keys = EndpointKeys::read(e.folder);
    (which == u"primary"_s ? keys.primary : keys.secondary) = EndpointKeys::generate();
    EndpointKeys::write(e.folder, keys);
    const qint64 server = qint64(processJson(e.folder).value(u"job_pid"_s).toDouble());
    if (supervisorAlive(e) && server > 0)
        ::kill(pid_t(server), SIGHUP); // the server re-reads the keys file; a restarted one reads it at start
    return keys;
}

} // namespace mldesk::core
