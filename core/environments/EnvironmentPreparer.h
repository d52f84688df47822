// EnvironmentPreparer: makes an environment version ready for a local run (the runs issue calls it in Preparing).
// MLDesk-Native and System-Python need nothing; a conda environment is created once per content hash under
// <workspace>/envs/conda/<hash> with mamba/micromamba/conda and reused after that; a container environment gets
// its image (core/containers/ContainerImage: pulled or built once per content hash). Blocking: call from a worker.
#pragma once

#include "core/environments/EnvironmentRegistry.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace mldesk::core {

struct PreparedEnvironment {
    QString python;                   // the interpreter for scripts; empty for MLDesk-Native
    QMap<QString, QString> variables; // to set in the job's environment (the version's own, PYTHONPATH, PATH ...)
    QString condaPrefix;              // for conda environments
    bool createdNow = false;          // false when an earlier run's environment was reused
    QString containerImage;           // a container environment: the image to run (python is the one inside it)
    QString containerEngine;          // ... and the engine's program (core/containers/ContainerEngine)
};

class EnvironmentPreparer final {
public:
    struct Options {
        QString workspacePath;
        QString runContextPythonPath; // folder holding MLDesk's Python run-context module; added to PYTHONPATH
        QString condaExecutable;      // empty: $MLDESK_CONDA, else mamba, micromamba or conda on searchPath
        QStringList searchPath;       // empty: $PATH
        int timeoutMs = 3600 * 1000;  // for creating a conda environment or building an image
        QString containerEngine;      // empty: ContainerEngine::configuredChoice()
    };

    // Throws WorkspaceError saying what is missing and how to fix it. log receives the tool's output lines.
    static PreparedEnvironment prepare(const EnvironmentVersion &environment, const Options &options,
                                       const std::function<void(const QString &line)> &log = {},
                                       const std::atomic_bool *cancel = nullptr);

    // The conda-compatible tool that would be used (empty when none); *flavour gets "mamba", "micromamba" or "conda".
    static QString findCondaTool(const Options &options, QString *flavour = nullptr);
    static QString condaPrefixFor(const QString &workspacePath, const EnvironmentVersion &environment);
};

} // namespace mldesk::core
