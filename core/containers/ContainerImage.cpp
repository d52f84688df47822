// ContainerImage: base image check/pull, derived image build per content hash; see the header.
#include "core/containers/ContainerImage.h"

#include "core/containers/ContainerCommand.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace mldesk::core {

QString ContainerImage::missingImageMessage(const ContainerEngine &engine, const QString &image, const QString &why)
{
    const QString tool = engine.name();
    return u"the container image '%1' is not on this machine and could not be pulled (%2). Provide it, then submit "
           u"again: `%3 load -i IMAGE.tar` for an image saved with `%3 save`, or `%3 import ROOTFS.tar %1` for a "
           u"root file system (e.g. made with debootstrap)"_s.arg(image, why, tool);
}

void ContainerImage::requireBaseImage(const ContainerEngine &engine, const QString &image,
                                      const std::function<void(const QString &)> &log)
{
    if (engine.imageExists(image))
        return;
    // localhost/... names an image made on this machine: there is nothing to pull it from.
    if (image.startsWith(u"localhost/"_s))
        throw WorkspaceError(
            missingImageMessage(engine, image, u"localhost/ images exist only where they were made"_s));
    if (log)
        log(u"pulling %1 with %2"_s.arg(image, engine.name()));
    QString output, error;
    const int code = engine.exec({u"pull"_s, image}, log, nullptr, 600 * 1000, &output, &error);
    if (code == 0 && engine.imageExists(image))
        return;
    QStringList lines = output.trimmed().split(u'\n');
    const QString last = error.isEmpty() ? lines.constLast().trimmed() : error;
    throw WorkspaceError(missingImageMessage(engine, image, last.isEmpty() ? u"pull failed"_s : last));
}

ContainerImageResult ContainerImage::ensure(const ContainerEngine &engine, const EnvironmentVersion &environment,
                                            const std::function<void(const QString &)> &log,
                                            const std::atomic_bool *cancel, int buildTimeoutMs)
{
    ContainerImageResult out;
    out.python = ContainerCommand::pythonIn(environment);
    if (!ContainerCommand::needsDerivedImage(environment)) {
        out.image = environment.dockerImage;
        requireBaseImage(engine, out.image, log);
        return out;
    }
    out.image = ContainerCommand::derivedImageName(environment);
    if (engine.imageExists(out.image)) {
        if (log)
            log(u"image %1 of environment '%2' version %3 is present; reusing it"_s.arg(out.image, environment.name)
                    .arg(environment.version));
        return out;
    }
    const QString containerfile = ContainerCommand::containerfile(environment);
    for (const QString &base : ContainerCommand::baseImages(containerfile))
        requireBaseImage(engine, base, log);

    // Two runs building the same environment at once: the second waits, then finds the image.
    QLockFile lock(QDir::tempPath() + u"/mldesk-image-"_s + environment.specHash.left(24) + u".lock"_s);
    lock.setStaleLockTime(0);
    while (!lock.tryLock(200)) {
        if (cancel && *cancel)
            throw WorkspaceError(u"preparing environment '%1' canceled"_s.arg(environment.name));
    }
    if (engine.imageExists(out.image))
        return out;
    QTemporaryDir context(QDir::tempPath() + u"/mldesk-build-XXXXXX"_s);
    if (!context.isValid())
        throw WorkspaceError(
            u"cannot create a build folder under %1: %2"_s.arg(QDir::tempPath(), context.errorString()));
    auto write = [&](const QString &name, const QString &text) {
        QFile f(context.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(text.toUtf8()) < 0)
            throw WorkspaceError(u"cannot write %1: %2"_s.arg(f.fileName(), f.errorString()));
    };
    write(u"Containerfile"_s, containerfile);
    write(u"environment.yml"_s, environment.specText);
    QStringList args{u"build"_s, u"-t"_s, out.image, u"-f"_s, context.filePath(u"Containerfile"_s)};
    // Installing conda packages needs the network; a Dockerfile alone gets one only when the environment asks.
    const bool conda = !environment.conda.condaPackages.isEmpty() || !environment.conda.pipPackages.isEmpty();
    if (!environment.containerNetwork && !conda)
        args << u"--network=none"_s;
    qint64 openFiles = 0, processes = 0;
    ContainerCommand::currentLimits(&openFiles, &processes);
    args << u"--ulimit"_s << u"nofile=%1:%1"_s.arg(openFiles) << u"--ulimit"_s << u"nproc=%1:%1"_s.arg(processes);
    args << context.path();
    if (log)
        log(u"building image %1 for environment '%2' version %3: %4 %5"_s.arg(out.image, environment.name)
                .arg(environment.version)
                .arg(engine.program, args.join(u' ')));
    QString error;
    const int code = engine.exec(args, log, cancel, buildTimeoutMs, nullptr, &error);
    if (code != 0)
        throw WorkspaceError(
            error == u"canceled"_s
                ? u"preparing environment '%1' canceled"_s.arg(environment.name)
                : u"building the image of environment '%1' version %2 failed (%3); the build log above says which "
                  u"step; fix the Dockerfile or conda file and create a new version"_s.arg(environment.name)
                      .arg(environment.version)
                      .arg(error.isEmpty() ? u"%1 build exit code %2"_s.arg(engine.name()).arg(code) : error));
    out.builtNow = true;
    return out;
}

} // namespace mldesk::core
