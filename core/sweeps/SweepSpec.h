// SweepSpec: a sweep definition in the shape of Azure ML's v2 sweep job (trial, search_space, sampling_algorithm,
// objective, limits, early_termination), parsed from YAML with yaml-cpp. Every error names its line and says what
// to write instead; a spec that parses is complete (placeholders and search space agree, grid is all choices).
#pragma once

#include "core/runs/RunTypes.h"
#include "core/sweeps/SearchSpace.h"

#include <stdexcept>

namespace mldesk::core {

class SweepSpecError : public std::runtime_error {
public:
    SweepSpecError(int line, const QString &message);
    int line() const { return m_line; } // 1-based; 0 when not tied to a line
    QString message() const { return QString::fromUtf8(what()); }

private:
    int m_line;
};

struct EarlyTerminationPolicy {
    enum class Type { None, Bandit, MedianStopping, TruncationSelection };
    Type type = Type::None;
    int evaluationInterval = 1;                     // every Nth logged value of the primary metric is an evaluation
    int delayEvaluation = 0;                        // no evaluation at or before this interval
    std::optional<double> slackFactor, slackAmount; // bandit: exactly one
    int truncationPercentage = 0;                   // truncation_selection: 1..99

    static QString typeName(Type type); // "bandit", "median_stopping", "truncation_selection"
    QString className() const;          // "BanditPolicy", ... (HyperDrive's names, for notes)
};

struct SweepSpec {
    enum class Sampling { Grid, Random, Bayesian };
    enum class Goal { Maximize, Minimize };

    QString displayName;
    RunRequest trial; // arguments keep their ${{search_space.NAME}} placeholders
    SearchSpace space;
    Sampling sampling = Sampling::Random;
    quint64 seed = 0; // random and bayesian; drawn at parse time when the file gives none
    QString primaryMetric;
    Goal goal = Goal::Maximize;
    int maxTotalTrials = 0; // grid: capped at the number of combinations
    int maxConcurrentTrials = 1;
    qint64 timeoutSeconds = 0; // whole sweep; 0: none
    qint64 trialTimeoutSeconds = 0;
    EarlyTerminationPolicy earlyTermination;

    // baseFolder resolves a relative trial.source (the YAML file's folder). Throws SweepSpecError.
    static SweepSpec parse(const QString &yamlText, const QString &baseFolder);
    // The seed notebook's HyperDrive configuration as a sweep file for the built-in trainer (epochs and trials as
    // given; the dataset is named by reference).
    static QString hyperDrivePresetYaml(const QString &dataset = QStringLiteral("mnist"), int epochs = 20,
                                        int totalTrials = 20, int concurrentTrials = 4);

    // The trial's arguments with every placeholder replaced by values[NAME].
    QStringList argumentsFor(const QJsonObject &values) const;
    RunRequest requestFor(const QJsonObject &values) const;
    bool better(double a, double b) const { return goal == Goal::Maximize ? a > b : a < b; }

    static QString samplingName(Sampling sampling);
    QJsonObject toJson() const;
    static SweepSpec fromJson(const QJsonObject &object);
};

} // namespace mldesk::core
