// environment commands: create an environment version (conda file, docker image and/or Dockerfile, variables),
// list, show.
#include "app/cli/CliContext.h"
#include "app/cli/CliError.h"
#include "app/cli/CommandRegistry.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

QJsonArray toArray(const QStringList &list)
{
    QJsonArray out;
    for (const QString &s : list)
        out.append(s);
    return out;
}

QList<Output::Field> summaryFields(const core::EnvironmentSummary &s)
{
    return {{u"name"_s, u"NAME"_s, s.name},
            {u"version"_s, u"VERSION"_s, s.latestVersion},
            {u"versions"_s, u"VERSIONS"_s, s.versionCount},
            {u"kind"_s, u"KIND"_s, core::EnvironmentVersion::kindName(s.kind)},
            {u"description"_s, u"DESCRIPTION"_s, s.description}};
}

QList<Output::Field> versionFields(const core::EnvironmentVersion &v, bool json)
{
    QJsonObject vars;
    QStringList varText;
    for (auto it = v.variables.begin(); it != v.variables.end(); ++it) {
        vars.insert(it.key(), it.value());
        varText.append(it.key() + u'=' + it.value());
    }
    QList<Output::Field> fields{{u"name"_s, u"Name"_s, v.name},
                                {u"version"_s, u"Version"_s, v.version},
                                {u"kind"_s, u"Kind"_s, core::EnvironmentVersion::kindName(v.kind)},
                                {u"description"_s, u"Description"_s, v.description},
                                {u"created"_s, u"Created (UTC)"_s, v.created.toString(Qt::ISODate)}};
    if (v.kind != core::EnvironmentVersion::Kind::Conda)
        return fields;
    const QString python = v.conda.pythonVersion.isEmpty() ? u"(not pinned)"_s : v.conda.pythonVersion;
    fields.append(
        {{u"python_version"_s, u"Python"_s, json ? QJsonValue(v.conda.pythonVersion) : QJsonValue(python)},
         {u"channels"_s, u"Channels"_s,
          json ? QJsonValue(toArray(v.conda.channels)) : QJsonValue(v.conda.channels.join(u", "_s))},
         {u"conda_packages"_s, u"Conda packages"_s,
          json ? QJsonValue(toArray(v.conda.condaPackages)) : QJsonValue(v.conda.condaPackages.join(u", "_s))},
         {u"pip_packages"_s, u"Pip packages"_s,
          json ? QJsonValue(toArray(v.conda.pipPackages)) : QJsonValue(v.conda.pipPackages.join(u", "_s))},
         {u"docker_image"_s, u"Docker image"_s, v.dockerImage},
         {u"dockerfile"_s, u"Dockerfile"_s, json ? QJsonValue(v.dockerfile) : QJsonValue(!v.dockerfile.isEmpty())},
         {u"container_network"_s, u"Container network"_s, v.containerNetwork},
         {u"environment_variables"_s, u"Variables"_s, json ? QJsonValue(vars) : QJsonValue(varText.join(u", "_s))},
         {u"spec_hash"_s, u"Spec SHA-256"_s, v.specHash}});
    if (json)
        fields.append({u"conda_yaml"_s, u"Conda file"_s, v.specText});
    return fields;
}

QString readTextFile(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw core::WorkspaceError(u"cannot read %1: %2"_s.arg(file, f.errorString()));
    return QString::fromUtf8(f.readAll());
}

int create(CliContext &context)
{
    const QString file = context.value(u"file"_s);
    const QString dockerfile = context.value(u"dockerfile"_s);
    if (file.isEmpty() && dockerfile.isEmpty() && context.value(u"docker-image"_s).isEmpty())
        throw UsageError(u"give the conda specification (--file conda_dependencies.yml), a base image "
                         u"(--docker-image IMAGE) or a Dockerfile (--dockerfile FILE)"_s);
    const QString text = file.isEmpty() ? QString() : readTextFile(file);
    core::EnvironmentContainerOptions container;
    if (!dockerfile.isEmpty())
        container.dockerfile = readTextFile(dockerfile);
    container.network = context.isSet(u"network"_s);
    QMap<QString, QString> variables;
    for (const QString &kv : context.values(u"env"_s)) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0)
            throw UsageError(u"--env '%1' is not NAME=VALUE"_s.arg(kv));
        variables.insert(kv.left(eq), kv.mid(eq + 1));
    }
    core::EnvironmentRegistry registry(context.workspace().database());
    const core::EnvironmentCommit commit =
        registry.createFromConda(context.arguments().at(0), text, context.value(u"docker-image"_s), variables,
                                 context.value(u"description"_s), QFileInfo(file).fileName(), container);
    const core::EnvironmentVersion &v = commit.version;
    context.out().note(
        commit.unchanged ? u"Environment '%1' unchanged, version %2"_s.arg(v.name).arg(v.version)
        : v.isContainer() && v.specText.trimmed().isEmpty()
            ? u"Created environment '%1' version %2 (container: %3)"_s.arg(v.name).arg(v.version).arg(
                  v.dockerfile.isEmpty() ? v.dockerImage : u"Dockerfile"_s)
            : u"Created environment '%1' version %2 (python %3, %4 conda and %5 pip packages)"_s.arg(v.name)
                      .arg(v.version)
                      .arg(v.conda.pythonVersion.isEmpty() ? u"unpinned"_s : v.conda.pythonVersion)
                      .arg(v.conda.condaPackages.size())
                      .arg(v.conda.pipPackages.size()) +
                  (v.isContainer() ? u", container: %1"_s.arg(v.dockerImage.isEmpty() ? u"Dockerfile"_s : v.dockerImage)
                                   : QString()));
    if (context.out().json()) {
        QList<Output::Field> fields = versionFields(v, true);
        fields.append({u"unchanged"_s, u"Unchanged"_s, commit.unchanged});
        context.out().record(fields);
    }
    return ExitOk;
}

int list(CliContext &context)
{
    core::EnvironmentRegistry registry(context.workspace().database());
    QList<QList<Output::Field>> rows;
    for (const core::EnvironmentSummary &s : registry.list())
        rows.append(summaryFields(s));
    context.out().table(rows, summaryFields({}));
    return ExitOk;
}

int show(CliContext &context)
{
    core::EnvironmentRegistry registry(context.workspace().database());
    const core::EnvironmentVersion v = registry.resolve(context.arguments().at(0));
    context.out().record(versionFields(v, context.out().json()));
    if (!context.out().json() && !v.specText.isEmpty())
        context.out().note(u"\nConda file:\n"_s + v.specText.trimmed());
    if (!context.out().json() && !v.dockerfile.isEmpty())
        context.out().note(u"\nDockerfile:\n"_s + v.dockerfile.trimmed());
    return ExitOk;
}

} // namespace

void registerEnvironmentCommands(CommandRegistry &registry)
{
    registry.add(
        {u"environment"_s,
         u"create"_s,
         u"NAME"_s,
         u"Create an environment version from a conda YAML file, a docker image and/or a Dockerfile. With an image or "
         u"a Dockerfile, local runs execute in a container (podman or docker)."_s,
         {QCommandLineOption(u"file"_s, u"The conda specification (name, channels, dependencies)."_s, u"FILE"_s),
          QCommandLineOption(u"docker-image"_s, u"Docker base image (runs execute in a container of it)."_s,
                             u"IMAGE"_s),
          QCommandLineOption(u"dockerfile"_s, u"A Dockerfile to build the environment's image from."_s, u"FILE"_s),
          QCommandLineOption(u"network"_s, u"Give container runs a network (default: none)."_s),
          QCommandLineOption(u"env"_s, u"An environment variable NAME=VALUE (repeatable)."_s, u"NAME=VALUE"_s),
          QCommandLineOption(u"description"_s, u"What the environment is for."_s, u"TEXT"_s)},
         1,
         1,
         create});
    registry.add({u"environment"_s, u"list"_s, {}, u"List environments (curated ones first)."_s, {}, 0, 0, list});
    registry.add({u"environment"_s, u"show"_s, u"NAME[:VERSION]"_s, u"Show an environment version."_s, {}, 1, 1, show});
}

} // namespace mldesk::cli
