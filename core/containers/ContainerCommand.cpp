// ContainerCommand: run arguments, GPU flags and derived-image Containerfiles; see the header.
#include "core/containers/ContainerCommand.h"

#include "core/environments/EnvironmentRegistry.h"

#include <QDir>
#include <QRegularExpression>

#include <algorithm>

#include <sys/resource.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QString kCondaPrefix = u"/opt/mldesk-env"_s;

} // namespace

ContainerGpuFlags ContainerCommand::gpuFlags(ContainerEngine::Kind kind, const QStringList &gpus, bool cdiAvailable)
{
    ContainerGpuFlags out;
    if (gpus.isEmpty()) {
        out.note = u"no GPU: this run was given none, so the container sees none and runs on the CPU"_s;
        return out;
    }
    if (kind == ContainerEngine::Kind::Docker) {
        out.arguments = {u"--gpus"_s, gpus.size() == 1 ? QString(u"device="_s + gpus.first())
                                                       : QString(u"\"device="_s + gpus.join(u',') + u'"')};
        out.note =
            u"GPU %1 passed through with docker --gpus (needs the NVIDIA container toolkit)"_s.arg(gpus.join(u", "_s));
        return out;
    }
    if (!cdiAvailable) {
        out.note = u"no GPU in the container: podman passes GPUs through CDI, and there is no CDI specification for "
                   u"NVIDIA GPUs (/etc/cdi/nvidia.yaml); create one with `nvidia-ctk cdi generate --output="
                   u"/etc/cdi/nvidia.yaml` (NVIDIA container toolkit). The run goes on without GPU %1"_s.arg(
                       gpus.join(u", "_s));
        return out;
    }
    for (const QString &gpu : gpus)
        out.arguments << u"--device"_s << u"nvidia.com/gpu="_s + gpu;
    out.note = u"GPU %1 passed through with podman CDI (nvidia.com/gpu)"_s.arg(gpus.join(u", "_s));
    return out;
}

bool ContainerCommand::nvidiaCdiAvailable()
{
    for (const QString &dir : {u"/etc/cdi"_s, u"/var/run/cdi"_s}) {
        const QStringList specs =
            QDir(dir).entryList({u"*nvidia*.yaml"_s, u"*nvidia*.json"_s, u"*nvidia*.yml"_s}, QDir::Files);
        if (!specs.isEmpty())
            return true;
    }
    return false;
}

void ContainerCommand::currentLimits(qint64 *openFiles, qint64 *processes)
{
    auto soft = [](int resource, qint64 fallback) {
        rlimit limit{};
        if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
            return fallback;
        return qint64(limit.rlim_cur);
    };
    // Capped: runc here refuses some values below the caller's own limits (nproc 65536 under a 96363 limit), and
    // 16384 open files and processes (threads) is plenty for one training job.
    *openFiles = std::min<qint64>(soft(RLIMIT_NOFILE, 1024), 16384);
    *processes = std::min<qint64>(soft(RLIMIT_NPROC, 4096), 16384);
}

QStringList ContainerCommand::runArguments(const ContainerEngine &engine, const ContainerRunSpec &spec)
{
    QStringList args{u"run"_s, u"--rm"_s, u"--name"_s, spec.name};
    if (!spec.network)
        args << u"--network=none"_s; // asked for: the engine's default network
    if (engine.rootless())
        args << u"--userns=keep-id"_s; // rootless podman: the user's own uid inside maps to the user outside
    args << u"--user"_s << u"%1:%2"_s.arg(spec.uid).arg(spec.gid);
    args << u"--ulimit"_s << u"nofile=%1:%1"_s.arg(spec.openFiles) << u"--ulimit"_s
         << u"nproc=%1:%1"_s.arg(spec.processes);
    for (const ContainerMount &m : spec.mounts)
        args << u"-v"_s << m.host + u':' + m.container + (m.readOnly ? u":ro"_s : QString());
    if (!spec.workdir.isEmpty())
        args << u"-w"_s << spec.workdir;
    for (auto it = spec.environment.cbegin(); it != spec.environment.cend(); ++it)
        args << u"-e"_s << it.key() + u'=' + it.value();
    args << gpuFlags(engine.kind, spec.gpus, engine.kind == ContainerEngine::Kind::Podman && nvidiaCdiAvailable())
                .arguments;
    args << spec.image << spec.command;
    return args;
}

bool ContainerCommand::needsDerivedImage(const EnvironmentVersion &environment)
{
    return !environment.dockerfile.isEmpty() || !environment.conda.condaPackages.isEmpty() ||
           !environment.conda.pipPackages.isEmpty();
}

QString ContainerCommand::derivedImageName(const EnvironmentVersion &environment)
{
    return u"localhost/mldesk-env:"_s + environment.specHash.left(24);
}

QString ContainerCommand::pythonIn(const EnvironmentVersion &environment)
{
    const bool conda = !environment.conda.condaPackages.isEmpty() || !environment.conda.pipPackages.isEmpty();
    return conda ? kCondaPrefix + u"/bin/python"_s : u"python3"_s;
}

QString ContainerCommand::containerfile(const EnvironmentVersion &environment, QString *python)
{
    QString text;
    if (!environment.dockerfile.isEmpty()) {
        if (baseImages(environment.dockerfile).isEmpty())
            text += u"FROM "_s + environment.dockerImage + u'\n';
        text += environment.dockerfile.trimmed() + u'\n';
    } else {
        text += u"FROM "_s + environment.dockerImage + u'\n';
    }
    const bool conda = !environment.conda.condaPackages.isEmpty() || !environment.conda.pipPackages.isEmpty();
    if (conda) {
        // The image brings the tool (micromamba, mamba or conda); MLDesk does not install one into it.
        text += u"# MLDesk: the environment's conda dependencies, installed once per content hash\n"
                u"COPY environment.yml /tmp/mldesk-environment.yml\n"
                u"RUN set -e; tool=; for t in micromamba mamba conda; do if command -v $t >/dev/null 2>&1; then "
                u"tool=$t; break; fi; done; "
                u"if [ -z \"$tool\" ]; then echo 'MLDesk: the base image has no micromamba, mamba or conda to install "
                u"the conda dependencies with; use a base image that has one (e.g. mambaorg/micromamba)' >&2; exit 1; "
                u"fi; "
                u"if [ \"$tool\" = micromamba ]; then micromamba create -y -p %1 -f /tmp/mldesk-environment.yml; "
                u"else $tool env create -p %1 -f /tmp/mldesk-environment.yml; fi\n"
                u"ENV PATH=%1/bin:$PATH CONDA_PREFIX=%1\n"_s.arg(kCondaPrefix);
    }
    text += u"LABEL org.mldesk.spec-hash=\"%1\" org.mldesk.environment=\"%2:%3\"\n"_s
                .arg(environment.specHash, environment.name)
                .arg(environment.version);
    if (python)
        *python = pythonIn(environment);
    return text;
}

QStringList ContainerCommand::baseImages(const QString &containerfile)
{
    static const QRegularExpression from(u"^\\s*FROM\\s+(?:--\\S+\\s+)*(\\S+)(?:\\s+AS\\s+(\\S+))?"_s,
                                         QRegularExpression::MultilineOption |
                                             QRegularExpression::CaseInsensitiveOption);
    QStringList images, stages;
    auto it = from.globalMatch(containerfile);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString image = m.captured(1);
        if (!stages.contains(image, Qt::CaseInsensitive) && image != u"scratch"_s && !images.contains(image))
            images.append(image);
        if (!m.captured(2).isEmpty())
            stages.append(m.captured(2));
    }
    return images;
}

} // namespace mldesk::core
