// SweepSpec's JSON form (stored in the parent run's configuration), policy names and the seed's HyperDrive preset.
#include "core/sweeps/SweepSpec.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace mldesk::core {

QString EarlyTerminationPolicy::typeName(Type type)
{
    switch (type) {
    case Type::Bandit:
        return u"bandit"_s;
    case Type::MedianStopping:
        return u"median_stopping"_s;
    case Type::TruncationSelection:
        return u"truncation_selection"_s;
    case Type::None:
        break;
    }
    return u"none"_s;
}

QString EarlyTerminationPolicy::className() const
{
    switch (type) {
    case Type::Bandit:
        return u"BanditPolicy"_s;
    case Type::MedianStopping:
        return u"MedianStoppingPolicy"_s;
    case Type::TruncationSelection:
        return u"TruncationSelectionPolicy"_s;
    case Type::None:
        break;
    }
    return {};
}

QString SweepSpec::samplingName(Sampling sampling)
{
    switch (sampling) {
    case Sampling::Grid:
        return u"grid"_s;
    case Sampling::Bayesian:
        return u"bayesian"_s;
    case Sampling::Random:
        break;
    }
    return u"random"_s;
}

QJsonObject SweepSpec::toJson() const
{
    QJsonObject tags;
    for (auto it = trial.tags.cbegin(); it != trial.tags.cend(); ++it)
        tags.insert(it.key(), it.value());
    const bool builtin = trial.entry == RunRequest::Entry::BuiltinTrainer;
    QJsonObject policy{{u"type"_s, EarlyTerminationPolicy::typeName(earlyTermination.type)},
                       {u"evaluation_interval"_s, earlyTermination.evaluationInterval},
                       {u"delay_evaluation"_s, earlyTermination.delayEvaluation},
                       {u"truncation_percentage"_s, earlyTermination.truncationPercentage}};
    if (earlyTermination.slackFactor)
        policy.insert(u"slack_factor"_s, *earlyTermination.slackFactor);
    if (earlyTermination.slackAmount)
        policy.insert(u"slack_amount"_s, *earlyTermination.slackAmount);
    return QJsonObject{
        {u"display_name"_s, displayName},
        {u"trial"_s, QJsonObject{{u"experiment"_s, trial.experiment},
                                 {u"source"_s, trial.sourceFolder},
                                 {builtin ? u"builtin"_s : u"script"_s, builtin ? u"mldesk-train"_s : trial.script},
                                 {u"arguments"_s, QJsonArray::fromStringList(trial.arguments)},
                                 {u"environment"_s, trial.environment},
                                 {u"compute"_s, trial.compute},
                                 {u"tags"_s, tags}}},
        {u"search_space"_s, space.toJson()},
        {u"sampling_algorithm"_s, QJsonObject{{u"type"_s, samplingName(sampling)}, {u"seed"_s, double(seed)}}},
        {u"objective"_s, QJsonObject{{u"primary_metric"_s, primaryMetric},
                                     {u"goal"_s, goal == Goal::Maximize ? u"maximize"_s : u"minimize"_s}}},
        {u"limits"_s, QJsonObject{{u"max_total_trials"_s, maxTotalTrials},
                                  {u"max_concurrent_trials"_s, maxConcurrentTrials},
                                  {u"timeout"_s, double(timeoutSeconds)},
                                  {u"trial_timeout"_s, double(trialTimeoutSeconds)}}},
        {u"early_termination"_s, policy},
        {u"queue_settings"_s, QJsonObject{{u"priority"_s, trial.priority}}},
    };
}

SweepSpec SweepSpec::fromJson(const QJsonObject &o)
{
    SweepSpec s;
    s.displayName = o.value(u"display_name"_s).toString();
    const QJsonObject t = o.value(u"trial"_s).toObject();
    s.trial.experiment = t.value(u"experiment"_s).toString();
    s.trial.sourceFolder = t.value(u"source"_s).toString();
    if (t.contains(u"builtin"_s))
        s.trial.entry = RunRequest::Entry::BuiltinTrainer;
    else
        s.trial.script = t.value(u"script"_s).toString();
    for (const QJsonValue &a : t.value(u"arguments"_s).toArray())
        s.trial.arguments.append(a.toString());
    s.trial.environment = t.value(u"environment"_s).toString();
    s.trial.compute = t.value(u"compute"_s).toString();
    const QJsonObject tags = t.value(u"tags"_s).toObject();
    for (auto it = tags.begin(); it != tags.end(); ++it)
        s.trial.tags.insert(it.key(), it.value().toString());
    s.trial.priority = o.value(u"queue_settings"_s).toObject().value(u"priority"_s).toInt(kRunPriorityNormal);
    s.space = SearchSpace::fromJson(o.value(u"search_space"_s).toArray());
    const QJsonObject sampling = o.value(u"sampling_algorithm"_s).toObject();
    const QString type = sampling.value(u"type"_s).toString();
    s.sampling = type == u"grid"_s ? Sampling::Grid : type == u"bayesian"_s ? Sampling::Bayesian : Sampling::Random;
    s.seed = quint64(sampling.value(u"seed"_s).toDouble());
    const QJsonObject objective = o.value(u"objective"_s).toObject();
    s.primaryMetric = objective.value(u"primary_metric"_s).toString();
    s.goal = objective.value(u"goal"_s).toString() == u"minimize"_s ? Goal::Minimize : Goal::Maximize;
    const QJsonObject limits = o.value(u"limits"_s).toObject();
    s.maxTotalTrials = limits.value(u"max_total_trials"_s).toInt();
    s.maxConcurrentTrials = std::max(1, limits.value(u"max_concurrent_trials"_s).toInt(1));
    s.timeoutSeconds = qint64(limits.value(u"timeout"_s).toDouble());
    s.trialTimeoutSeconds = qint64(limits.value(u"trial_timeout"_s).toDouble());
    const QJsonObject policy = o.value(u"early_termination"_s).toObject();
    using T = EarlyTerminationPolicy::Type;
    const QString policyType = policy.value(u"type"_s).toString();
    EarlyTerminationPolicy &p = s.earlyTermination;
    p.type = policyType == u"bandit"_s                 ? T::Bandit
             : policyType == u"median_stopping"_s      ? T::MedianStopping
             : policyType == u"truncation_selection"_s ? T::TruncationSelection
                                                       : T::None;
    p.evaluationInterval = std::max(1, policy.value(u"evaluation_interval"_s).toInt(1));
    p.delayEvaluation = policy.value(u"delay_evaluation"_s).toInt();
    p.truncationPercentage = policy.value(u"truncation_percentage"_s).toInt();
    if (policy.contains(u"slack_factor"_s))
        p.slackFactor = policy.value(u"slack_factor"_s).toDouble();
    if (policy.contains(u"slack_amount"_s))
        p.slackAmount = policy.value(u"slack_amount"_s).toDouble();
    return s;
}

QString SweepSpec::hyperDrivePresetYaml(const QString &dataset, int epochs, int totalTrials, int concurrentTrials)
{
    // RandomParameterSampling({'--batch-size': choice(25, 50, 100), '--first-layer-neurons': choice(10, 50, 200,
    // 300, 500), '--second-layer-neurons': choice(10, 50, 200, 500), '--learning-rate': loguniform(-6, -1)}),
    // BanditPolicy(evaluation_interval=2, slack_factor=0.1), Accuracy maximized, 20 runs, 4 at a time.
    return uR"(# The seed notebook's HyperDrive configuration, as an MLDesk sweep (Azure ML v2 sweep job shape).
type: sweep
display_name: keras-mnist-hyperdrive
experiment_name: keras-mnist-hyperdrive
trial:
  builtin: mldesk-train
  environment: MLDesk-Native
  compute: local
  arguments:
    - --data-folder
    - "{dataset:%1:mount}"
    - --epochs
    - "%2"
    - --batch-size
    - "${{search_space.batch_size}}"
    - --first-layer-neurons
    - "${{search_space.first_layer_neurons}}"
    - --second-layer-neurons
    - "${{search_space.second_layer_neurons}}"
    - --learning-rate
    - "${{search_space.learning_rate}}"
search_space:
  batch_size: {type: choice, values: [25, 50, 100]}
  first_layer_neurons: {type: choice, values: [10, 50, 200, 300, 500]}
  second_layer_neurons: {type: choice, values: [10, 50, 200, 500]}
  learning_rate: {type: loguniform, min_value: -6, max_value: -1}
sampling_algorithm: random
objective:
  primary_metric: Accuracy
  goal: maximize
limits:
  max_total_trials: %3
  max_concurrent_trials: %4
early_termination:
  type: bandit
  evaluation_interval: 2
  slack_factor: 0.1
)"_s.arg(dataset)
        .arg(epochs)
        .arg(totalTrials)
        .arg(concurrentTrials);
}

} // namespace mldesk::core
