// ContainerImage: makes the image of a container environment present before a run starts - the base image (pulled
// when missing, or a clear message naming it and how to provide it with `podman load` / `podman import`), and the
// derived image (Dockerfile and/or conda environment) built once per content hash with its log streamed, then reused.
#pragma once

#include "core/containers/ContainerEngine.h"

#include <QString>

#include <atomic>
#include <functional>

namespace mldesk::core {

struct EnvironmentVersion;

struct ContainerImageResult {
    QString image;         // what `run` uses
    QString python;        // the interpreter inside it
    bool builtNow = false; // false: present already (or built by an earlier run)
};

class ContainerImage final {
public:
    // Throws WorkspaceError with what is wrong and what to do. log gets the engine's output lines.
    static ContainerImageResult ensure(const ContainerEngine &engine, const EnvironmentVersion &environment,
                                       const std::function<void(const QString &)> &log = {},
                                       const std::atomic_bool *cancel = nullptr, int buildTimeoutMs = 3600 * 1000);

    // Present, or pulled now; throws WorkspaceError naming the image and how to provide it otherwise.
    static void requireBaseImage(const ContainerEngine &engine, const QString &image,
                                 const std::function<void(const QString &)> &log = {});
    static QString missingImageMessage(const ContainerEngine &engine, const QString &image, const QString &why);
};

} // namespace mldesk::core
