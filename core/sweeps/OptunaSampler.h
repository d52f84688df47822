// OptunaSampler: Bayesian sampling through Optuna's TPE sampler, driven ask-and-tell by a small helper process
// (python3 with Debian's python3-optuna) that speaks JSON lines on stdin/stdout. MLDesk writes no optimiser of its
// own. After a restart the helper is started again and told the finished trials (add), so no result is lost.
#pragma once

#include "core/sweeps/SweepSpec.h"

#include <QProcess>

#include <optional>

namespace mldesk::core {

class OptunaSampler final {
public:
    // The interpreter: $MLDESK_SWEEP_PYTHON, else /usr/bin/python3 when it exists, else python3 on PATH.
    static QString python();
    // Empty when `import optuna` works; else what to install ("... install the Debian package python3-optuna").
    static QString unavailableReason();

    // Starts the helper for spec's search space, goal and seed. Throws std::runtime_error with the helper's words.
    explicit OptunaSampler(const SweepSpec &spec);
    ~OptunaSampler();
    OptunaSampler(const OptunaSampler &) = delete;
    OptunaSampler &operator=(const OptunaSampler &) = delete;

    struct Asked {
        int number = 0; // Optuna's trial number (this helper's)
        QJsonObject values;
    };
    Asked ask();
    // The outcome of an asked trial: its primary metric, or nullopt when it failed or logged none.
    void tell(int number, std::optional<double> value);
    // A finished trial this helper did not ask for (from before a restart).
    void add(const QJsonObject &values, double value);

private:
    QJsonObject call(const QJsonObject &request);

    QProcess m_process;
};

} // namespace mldesk::core
