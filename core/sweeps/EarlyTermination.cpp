// EarlyTermination: Bandit, Median stopping and Truncation selection; see the header.
#include "core/sweeps/EarlyTermination.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString num(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

bool EarlyTermination::isEvaluationInterval(const EarlyTerminationPolicy &policy, int interval)
{
    return policy.type != EarlyTerminationPolicy::Type::None && interval > policy.delayEvaluation &&
           interval % policy.evaluationInterval == 0;
}

std::optional<QString> EarlyTermination::evaluate(const SweepSpec &spec, const TrialSeries &candidate, int interval,
                                                  const QList<TrialSeries> &all)
{
    const EarlyTerminationPolicy &policy = spec.earlyTermination;
    if (!isEvaluationInterval(policy, interval) || interval > candidate.values.size())
        return std::nullopt;
    const bool maximize = spec.goal == SweepSpec::Goal::Maximize;
    const double value = candidate.values[interval - 1];
    const QString metric = spec.primaryMetric;
    const QString at = u" at interval %1: "_s.arg(interval);
    using T = EarlyTerminationPolicy::Type;

    if (policy.type == T::Bandit) {
        // The best value any trial logged at this interval.
        const TrialSeries *best = nullptr;
        for (const TrialSeries &t : all)
            if (t.values.size() >= interval &&
                (!best || spec.better(t.values[interval - 1], best->values[interval - 1])))
                best = &t;
        if (!best || best->trial == candidate.trial)
            return std::nullopt;
        const double b = best->values[interval - 1];
        double limit = 0;
        QString rule;
        if (policy.slackFactor) {
            const double f = *policy.slackFactor;
            limit = maximize ? b / (1 + f) : b * (1 + f);
            rule = u"best %1 (trial %2) %3 (1 + %4)"_s.arg(num(b))
                       .arg(best->trial)
                       .arg(maximize ? u"/"_s : u"*"_s, num(f));
        } else {
            const double a = policy.slackAmount.value_or(0);
            limit = maximize ? b - a : b + a;
            rule = u"best %1 (trial %2) %3 %4"_s.arg(num(b)).arg(best->trial).arg(maximize ? u"-"_s : u"+"_s, num(a));
        }
        const bool outside = maximize ? value < limit : value > limit;
        if (!outside)
            return std::nullopt;
        const QString params = policy.slackFactor ? u"slack_factor=%1"_s.arg(num(*policy.slackFactor))
                                                  : u"slack_amount=%1"_s.arg(num(policy.slackAmount.value_or(0)));
        return u"stopped by BanditPolicy(%1, evaluation_interval=%2, delay_evaluation=%3)"_s.arg(params)
                   .arg(policy.evaluationInterval)
                   .arg(policy.delayEvaluation) +
               at + u"%1 %2 %3 %4 = %5"_s.arg(metric, num(value), maximize ? u"<"_s : u">"_s, num(limit), rule);
    }

    if (policy.type == T::MedianStopping) {
        // The median of the running averages (intervals 1..k) of every trial that reached k.
        QList<double> averages;
        for (const TrialSeries &t : all) {
            if (t.values.size() < interval)
                continue;
            double sum = 0;
            for (int i = 0; i < interval; ++i)
                sum += t.values[i];
            averages.append(sum / interval);
        }
        if (averages.size() < 2)
            return std::nullopt;
        std::sort(averages.begin(), averages.end());
        const qsizetype n = averages.size();
        const double median = n % 2 ? averages[n / 2] : (averages[n / 2 - 1] + averages[n / 2]) / 2;
        double bestSoFar = candidate.values[0];
        for (int i = 1; i < interval; ++i)
            if (spec.better(candidate.values[i], bestSoFar))
                bestSoFar = candidate.values[i];
        const bool worse = maximize ? bestSoFar < median : bestSoFar > median;
        if (!worse)
            return std::nullopt;
        return u"stopped by MedianStoppingPolicy(evaluation_interval=%1, delay_evaluation=%2)"_s
                   .arg(policy.evaluationInterval)
                   .arg(policy.delayEvaluation) +
               at +
               u"best %1 %2 %3 %4 = median of %5 trials' running averages"_s
                   .arg(metric, num(bestSoFar), maximize ? u"<"_s : u">"_s, num(median))
                   .arg(n);
    }

    if (policy.type == T::TruncationSelection) {
        // The lowest truncation_percentage % of the trials that reached k, by their value at k.
        QList<QPair<double, int>> ranked;
        for (const TrialSeries &t : all)
            if (t.values.size() >= interval)
                ranked.append({t.values[interval - 1], t.trial});
        const int cut = int(ranked.size() * policy.truncationPercentage / 100);
        if (cut < 1)
            return std::nullopt;
        std::sort(ranked.begin(), ranked.end(), [&](const auto &a, const auto &b) {
            return spec.better(b.first, a.first) || (a.first == b.first && a.second > b.second); // worst first
        });
        for (int i = 0; i < cut; ++i) {
            if (ranked[i].second != candidate.trial)
                continue;
            return u"stopped by TruncationSelectionPolicy(truncation_percentage=%1, evaluation_interval=%2, "
                   u"delay_evaluation=%3)"_s.arg(policy.truncationPercentage)
                       .arg(policy.evaluationInterval)
                       .arg(policy.delayEvaluation) +
                   at +
                   u"%1 %2 ranks %3 of %4 (the lowest %5 are stopped)"_s.arg(metric, num(value))
                       .arg(ranked.size() - i)
                       .arg(ranked.size())
                       .arg(cut);
        }
    }
    return std::nullopt;
}

} // namespace mldesk::core
