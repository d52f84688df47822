// EarlyTermination: Azure ML's early termination policies (Bandit, Median stopping, Truncation selection) as a pure
// function of the trials' primary-metric series. The controller asks it about each running trial when the trial
// has logged new values; the answer carries the sentence that goes into the stopped child's note.
#pragma once

#include "core/sweeps/SweepSpec.h"

#include <QList>
#include <QString>

#include <optional>

namespace mldesk::core {

struct TrialSeries {
    int trial = 0;        // trial index
    QList<double> values; // the primary metric, in the order it was logged (interval k = values[k-1])
};

class EarlyTermination final {
public:
    // Should `candidate` stop at interval `interval` (1-based, <= its values)? Compared with every trial in `all`
    // that has reached that interval (the candidate included). nullopt: keep running; else the note, e.g.
    // "stopped by BanditPolicy(slack_factor=0.1) at interval 2: Accuracy 0.31 < 0.772727 = best 0.85 (trial 0) /
    // (1 + 0.1)".
    static std::optional<QString> evaluate(const SweepSpec &spec, const TrialSeries &candidate, int interval,
                                           const QList<TrialSeries> &all);
    // Whether the policy looks at interval k at all (evaluation_interval and delay_evaluation).
    static bool isEvaluationInterval(const EarlyTerminationPolicy &policy, int interval);
};

} // namespace mldesk::core
