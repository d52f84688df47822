// AzureMlShim: whether a run's snapshot holds a Python script that imports azureml, so MLDesk puts its azureml.core
// shim (resources/python/azureml-compat) on the job's PYTHONPATH in every environment kind.
#pragma once

#include <QString>

namespace mldesk::core {

class AzureMlShim final {
public:
    // Looks at the .py files under folder (the first 1 MiB of each, at most 2000 files): `import azureml...` or
    // `from azureml... import`.
    static bool importsAzureMl(const QString &folder);
};

} // namespace mldesk::core
