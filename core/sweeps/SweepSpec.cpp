// SweepSpec: the sweep YAML (yaml-cpp, errors with line numbers) and its JSON form; see the header.
#include "core/sweeps/SweepSpec.h"

#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

SweepSpecError::SweepSpecError(int line, const QString &message)
    : std::runtime_error((line > 0 ? u"line %1: "_s.arg(line) + message : message).toStdString()), m_line(line)
{
}

namespace {

const QRegularExpression &placeholderPattern()
{
    static const QRegularExpression re(uR"(\$\{\{\s*search_space\.([A-Za-z0-9_.\-]+)\s*\}\})"_s);
    return re;
}

int lineOf(const YAML::Node &node)
{
    return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

QString scalar(const YAML::Node &node, const QString &what)
{
    if (!node.IsScalar())
        throw SweepSpecError(lineOf(node), u"'%1' must be a single value"_s.arg(what));
    return QString::fromStdString(node.Scalar()).trimmed();
}

double number(const YAML::Node &node, const QString &what)
{
    const QString text = scalar(node, what);
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value))
        throw SweepSpecError(lineOf(node), u"'%1' must be a number, got '%2'"_s.arg(what, text));
    return value;
}

qint64 integer(const YAML::Node &node, const QString &what)
{
    const double value = number(node, what);
    if (std::floor(value) != value)
        throw SweepSpecError(lineOf(node), u"'%1' must be a whole number, got %2"_s.arg(what).arg(value));
    return qint64(value);
}

// A mapping whose keys must all be in `allowed` (a typo is an error, not silently ignored).
void checkKeys(const YAML::Node &map, const QString &what, const QStringList &allowed)
{
    if (!map.IsMap())
        throw SweepSpecError(lineOf(map), u"'%1' must be a mapping of 'key: value' lines"_s.arg(what));
    for (auto it = map.begin(); it != map.end(); ++it) {
        const QString key = QString::fromStdString(it->first.Scalar());
        if (!allowed.contains(key))
            throw SweepSpecError(lineOf(it->first),
                                 u"unknown key '%1' in %2; the keys are: %3"_s.arg(key, what, allowed.join(u", "_s)));
    }
}

YAML::Node child(const YAML::Node &map, const char *key)
{
    return map.IsMap() ? map[key] : YAML::Node();
}

SweepParameter parseParameter(const QString &name, const YAML::Node &node)
{
    const QString where = u"search_space.%1"_s.arg(name);
    if (!node.IsMap())
        throw SweepSpecError(lineOf(node),
                             u"%1 must be a mapping such as '{type: choice, values: [1, 2]}'"_s.arg(where));
    const YAML::Node typeNode = node["type"];
    if (!typeNode)
        throw SweepSpecError(
            lineOf(node), u"%1 has no 'type'; types are: %2"_s.arg(where, SweepParameter::typeNames().join(u", "_s)));
    const QString typeText = scalar(typeNode, where + u".type"_s);
    const auto type = SweepParameter::typeFromName(typeText.toLower());
    if (!type)
        throw SweepSpecError(lineOf(typeNode), u"unknown parameter type '%1' for '%2'; types are: %3"_s.arg(
                                                   typeText, name, SweepParameter::typeNames().join(u", "_s)));
    SweepParameter p;
    p.name = name;
    p.type = *type;
    using T = SweepParameter::Type;
    QStringList keys{u"type"_s};
    const bool q = p.isQuantized();
    const auto need = [&](const char *key) {
        const YAML::Node v = node[key];
        if (!v)
            throw SweepSpecError(lineOf(node), u"%1 (%2) needs '%3'"_s.arg(where, typeText, QString::fromUtf8(key)));
        return number(v, where + u'.' + QString::fromUtf8(key));
    };
    switch (p.type) {
    case T::Choice: {
        keys.append(u"values"_s);
        checkKeys(node, where, keys);
        const YAML::Node values = node["values"];
        if (!values || !values.IsSequence())
            throw SweepSpecError(lineOf(node), u"%1 (choice) needs 'values: [a, b, ...]'"_s.arg(where));
        for (const YAML::Node &v : values) {
            const QString text = scalar(v, where + u".values"_s);
            bool ok = false;
            const double d = text.toDouble(&ok);
            // Quoted scalars stay strings ("1e-3" in quotes is the text 1e-3); plain numbers are numbers.
            p.values.append(ok && v.Tag() != "!" ? QJsonValue(d) : QJsonValue(text));
        }
        break;
    }
    case T::RandInt:
        keys.append(u"upper"_s);
        checkKeys(node, where, keys);
        if (!node["upper"])
            throw SweepSpecError(lineOf(node), u"%1 (randint) needs 'upper'"_s.arg(where));
        p.upper = int(integer(node["upper"], where + u".upper"_s));
        if (const QString problem = p.problem(); !problem.isEmpty())
            throw SweepSpecError(lineOf(node["upper"]), problem);
        break;
    case T::Uniform:
    case T::QUniform:
    case T::LogUniform:
    case T::QLogUniform:
        keys << u"min_value"_s << u"max_value"_s;
        if (q)
            keys.append(u"q"_s);
        checkKeys(node, where, keys);
        p.min = need("min_value");
        p.max = need("max_value");
        break;
    default:
        keys << u"mu"_s << u"sigma"_s;
        if (q)
            keys.append(u"q"_s);
        checkKeys(node, where, keys);
        p.mu = need("mu");
        p.sigma = need("sigma");
    }
    if (q)
        p.q = need("q");
    if (const QString problem = p.problem(); !problem.isEmpty())
        throw SweepSpecError(lineOf(node), problem);
    return p;
}

void parseSampling(SweepSpec &spec, const YAML::Node &node)
{
    QString type;
    if (node.IsScalar()) {
        type = scalar(node, u"sampling_algorithm"_s).toLower();
    } else {
        checkKeys(node, u"sampling_algorithm"_s, {u"type"_s, u"seed"_s, u"rule"_s});
        if (!node["type"])
            throw SweepSpecError(lineOf(node), u"sampling_algorithm needs a 'type': grid, random or bayesian"_s);
        type = scalar(node["type"], u"sampling_algorithm.type"_s).toLower();
        if (node["seed"])
            spec.seed = quint64(integer(node["seed"], u"sampling_algorithm.seed"_s));
        if (node["rule"] && scalar(node["rule"], u"sampling_algorithm.rule"_s) != u"random"_s)
            throw SweepSpecError(lineOf(node["rule"]), u"only rule 'random' is supported (sobol is not)"_s);
    }
    if (type == u"grid"_s)
        spec.sampling = SweepSpec::Sampling::Grid;
    else if (type == u"random"_s)
        spec.sampling = SweepSpec::Sampling::Random;
    else if (type == u"bayesian"_s)
        spec.sampling = SweepSpec::Sampling::Bayesian;
    else
        throw SweepSpecError(lineOf(node),
                             u"unknown sampling_algorithm '%1'; use grid, random or bayesian"_s.arg(type));
}

void parseEarlyTermination(SweepSpec &spec, const YAML::Node &node)
{
    const QString where = u"early_termination"_s;
    checkKeys(node, where,
              {u"type"_s, u"evaluation_interval"_s, u"delay_evaluation"_s, u"slack_factor"_s, u"slack_amount"_s,
               u"truncation_percentage"_s});
    if (!node["type"])
        throw SweepSpecError(lineOf(node), u"early_termination needs a 'type': bandit, median_stopping or "
                                           u"truncation_selection"_s);
    const QString type = scalar(node["type"], where + u".type"_s).toLower();
    EarlyTerminationPolicy &p = spec.earlyTermination;
    using T = EarlyTerminationPolicy::Type;
    if (type == u"bandit"_s)
        p.type = T::Bandit;
    else if (type == u"median_stopping"_s)
        p.type = T::MedianStopping;
    else if (type == u"truncation_selection"_s)
        p.type = T::TruncationSelection;
    else
        throw SweepSpecError(lineOf(node["type"]), u"unknown early_termination type '%1'; use bandit, "
                                                   u"median_stopping or truncation_selection"_s.arg(type));
    if (node["evaluation_interval"])
        p.evaluationInterval = int(integer(node["evaluation_interval"], where + u".evaluation_interval"_s));
    if (node["delay_evaluation"])
        p.delayEvaluation = int(integer(node["delay_evaluation"], where + u".delay_evaluation"_s));
    if (p.evaluationInterval < 1 || p.delayEvaluation < 0)
        throw SweepSpecError(lineOf(node), u"evaluation_interval must be >= 1 and delay_evaluation >= 0"_s);
    const bool slack = node["slack_factor"] || node["slack_amount"];
    if (p.type != T::Bandit && slack)
        throw SweepSpecError(lineOf(node), u"slack_factor and slack_amount belong to the bandit policy only"_s);
    if (p.type != T::TruncationSelection && node["truncation_percentage"])
        throw SweepSpecError(lineOf(node), u"truncation_percentage belongs to truncation_selection only"_s);
    if (p.type == T::Bandit) {
        if (node["slack_factor"] && node["slack_amount"])
            throw SweepSpecError(lineOf(node), u"give the bandit policy slack_factor or slack_amount, not both"_s);
        if (!slack)
            throw SweepSpecError(lineOf(node), u"the bandit policy needs slack_factor (a ratio, e.g. 0.1) or "
                                               u"slack_amount (in metric units)"_s);
        if (node["slack_factor"])
            p.slackFactor = number(node["slack_factor"], where + u".slack_factor"_s);
        else
            p.slackAmount = number(node["slack_amount"], where + u".slack_amount"_s);
        if (p.slackFactor.value_or(0) < 0 || p.slackAmount.value_or(0) < 0)
            throw SweepSpecError(lineOf(node), u"slack_factor and slack_amount must not be negative"_s);
    }
    if (p.type == T::TruncationSelection) {
        if (!node["truncation_percentage"])
            throw SweepSpecError(lineOf(node), u"truncation_selection needs truncation_percentage (1 to 99)"_s);
        p.truncationPercentage = int(integer(node["truncation_percentage"], where + u".truncation_percentage"_s));
        if (p.truncationPercentage < 1 || p.truncationPercentage > 99)
            throw SweepSpecError(lineOf(node["truncation_percentage"]), u"truncation_percentage must be 1 to 99"_s);
    }
}

void parseTrial(SweepSpec &spec, const YAML::Node &node, const QString &baseFolder, QList<int> &argumentLines)
{
    checkKeys(node, u"trial"_s,
              {u"source"_s, u"script"_s, u"builtin"_s, u"arguments"_s, u"environment"_s, u"compute"_s, u"experiment"_s,
               u"tags"_s});
    RunRequest &r = spec.trial;
    if (node["source"]) {
        const QString source = scalar(node["source"], u"trial.source"_s);
        r.sourceFolder = QDir::cleanPath(QDir(baseFolder).absoluteFilePath(source));
    }
    if (node["script"] && node["builtin"])
        throw SweepSpecError(lineOf(node["builtin"]), u"give the trial either 'script' or 'builtin', not both"_s);
    if (node["builtin"]) {
        const QString builtin = scalar(node["builtin"], u"trial.builtin"_s);
        if (builtin != u"mldesk-train"_s)
            throw SweepSpecError(lineOf(node["builtin"]),
                                 u"unknown built-in '%1'; the built-in entry is mldesk-train"_s.arg(builtin));
        r.entry = RunRequest::Entry::BuiltinTrainer;
    } else if (node["script"]) {
        r.script = scalar(node["script"], u"trial.script"_s);
    } else {
        throw SweepSpecError(lineOf(node), u"the trial needs 'script: FILE' (inside 'source') or 'builtin: "
                                           u"mldesk-train'"_s);
    }
    if (const YAML::Node args = node["arguments"]) {
        if (!args.IsSequence())
            throw SweepSpecError(lineOf(args), u"trial.arguments must be a list (lines starting with '- ')"_s);
        for (const YAML::Node &a : args) {
            r.arguments.append(scalar(a, u"trial.arguments"_s));
            argumentLines.append(lineOf(a));
        }
    }
    if (node["environment"])
        r.environment = scalar(node["environment"], u"trial.environment"_s);
    if (node["compute"])
        r.compute = scalar(node["compute"], u"trial.compute"_s);
    if (node["experiment"])
        r.experiment = scalar(node["experiment"], u"trial.experiment"_s);
    if (const YAML::Node tags = node["tags"]) {
        if (!tags.IsMap())
            throw SweepSpecError(lineOf(tags), u"trial.tags must be a mapping of 'key: value' lines"_s);
        for (auto it = tags.begin(); it != tags.end(); ++it)
            r.tags.insert(QString::fromStdString(it->first.Scalar()), scalar(it->second, u"trial.tags"_s));
    }
}

} // namespace

SweepSpec SweepSpec::parse(const QString &yamlText, const QString &baseFolder)
{
    YAML::Node root;
    try {
        root = YAML::Load(yamlText.toStdString());
    } catch (const YAML::Exception &e) {
        throw SweepSpecError(e.mark.is_null() ? 0 : e.mark.line + 1,
                             u"not valid YAML: %1"_s.arg(QString::fromStdString(e.msg)));
    }
    if (!root.IsMap())
        throw SweepSpecError(1, u"a sweep file is a mapping with trial, search_space, sampling_algorithm, "
                                u"objective and limits"_s);
    checkKeys(root, u"the sweep file"_s,
              {u"$schema"_s, u"type"_s, u"name"_s, u"display_name"_s, u"description"_s, u"experiment_name"_s,
               u"compute"_s, u"trial"_s, u"search_space"_s, u"sampling_algorithm"_s, u"objective"_s, u"limits"_s,
               u"early_termination"_s, u"queue_settings"_s});
    if (root["type"] && scalar(root["type"], u"type"_s) != u"sweep"_s)
        throw SweepSpecError(lineOf(root["type"]), u"'type' must be sweep (this file describes a sweep job)"_s);
    SweepSpec spec;
    spec.seed = QRandomGenerator::global()->generate64() >> 12; // fits a JSON number exactly
    for (const char *key : {"display_name", "name"})
        if (root[key] && spec.displayName.isEmpty())
            spec.displayName = scalar(root[key], QString::fromUtf8(key));
    if (!root["trial"])
        throw SweepSpecError(1, u"no 'trial': say what each trial runs (source, script or builtin, arguments, "
                                u"environment)"_s);
    if (root["compute"])
        spec.trial.compute = scalar(root["compute"], u"compute"_s);
    if (root["experiment_name"])
        spec.trial.experiment = scalar(root["experiment_name"], u"experiment_name"_s);
    QList<int> argumentLines;
    parseTrial(spec, root["trial"], baseFolder, argumentLines);
    if (spec.trial.experiment.isEmpty())
        throw SweepSpecError(lineOf(root["trial"]), u"no experiment: set trial.experiment (or experiment_name)"_s);

    const YAML::Node space = root["search_space"];
    if (!space || !space.IsMap() || space.size() == 0)
        throw SweepSpecError(space ? lineOf(space) : 1, u"'search_space' must map each parameter name to its "
                                                        u"distribution, e.g. 'lr: {type: loguniform, min_value: -6, "
                                                        u"max_value: -1}'"_s);
    QHash<QString, int> spaceLines;
    for (auto it = space.begin(); it != space.end(); ++it) {
        const QString name = QString::fromStdString(it->first.Scalar());
        spec.space.parameters.append(parseParameter(name, it->second));
        spaceLines.insert(name, lineOf(it->first));
    }
    QSet<QString> used;
    for (qsizetype i = 0; i < spec.trial.arguments.size(); ++i) {
        auto matches = placeholderPattern().globalMatch(spec.trial.arguments[i]);
        while (matches.hasNext()) {
            const QString name = matches.next().captured(1);
            if (!spec.space.find(name))
                throw SweepSpecError(argumentLines[i],
                                     u"the argument '%1' names ${{search_space.%2}}, but "
                                     u"search_space has no '%2' (it has: %3)"_s.arg(spec.trial.arguments[i], name,
                                                                                    spec.space.names().join(u", "_s)));
            used.insert(name);
        }
    }
    for (const SweepParameter &p : spec.space.parameters)
        if (!used.contains(p.name))
            throw SweepSpecError(spaceLines.value(p.name), u"search_space has '%1', but no trial argument uses it; "
                                                           u"add '${{search_space.%1}}' to trial.arguments or remove "
                                                           u"it"_s.arg(p.name));

    if (!root["sampling_algorithm"])
        throw SweepSpecError(1, u"no 'sampling_algorithm': use grid, random or bayesian"_s);
    parseSampling(spec, root["sampling_algorithm"]);
    if (spec.sampling == Sampling::Grid)
        if (const QString problem = spec.space.gridProblem(); !problem.isEmpty())
            throw SweepSpecError(lineOf(root["sampling_algorithm"]), problem);

    const YAML::Node objective = root["objective"];
    if (!objective)
        throw SweepSpecError(1, u"no 'objective': give primary_metric (a metric the script logs) and goal "
                                u"(maximize or minimize)"_s);
    checkKeys(objective, u"objective"_s, {u"primary_metric"_s, u"goal"_s});
    if (!objective["primary_metric"] || !objective["goal"])
        throw SweepSpecError(lineOf(objective), u"objective needs primary_metric and goal (maximize or minimize)"_s);
    spec.primaryMetric = scalar(objective["primary_metric"], u"objective.primary_metric"_s);
    const QString goal = scalar(objective["goal"], u"objective.goal"_s).toLower();
    if (goal != u"maximize"_s && goal != u"minimize"_s)
        throw SweepSpecError(lineOf(objective["goal"]), u"goal must be maximize or minimize, got '%1'"_s.arg(goal));
    spec.goal = goal == u"maximize"_s ? Goal::Maximize : Goal::Minimize;

    const YAML::Node limits = root["limits"];
    if (limits) {
        checkKeys(limits, u"limits"_s,
                  {u"max_total_trials"_s, u"max_concurrent_trials"_s, u"timeout"_s, u"trial_timeout"_s});
        if (limits["max_total_trials"])
            spec.maxTotalTrials = int(integer(limits["max_total_trials"], u"limits.max_total_trials"_s));
        if (limits["max_concurrent_trials"])
            spec.maxConcurrentTrials = int(integer(limits["max_concurrent_trials"], u"limits.max_concurrent_trials"_s));
        if (limits["timeout"])
            spec.timeoutSeconds = integer(limits["timeout"], u"limits.timeout"_s);
        if (limits["trial_timeout"])
            spec.trialTimeoutSeconds = integer(limits["trial_timeout"], u"limits.trial_timeout"_s);
        if (spec.maxConcurrentTrials < 1)
            throw SweepSpecError(lineOf(limits["max_concurrent_trials"]),
                                 u"max_concurrent_trials must be at least 1, got %1"_s.arg(spec.maxConcurrentTrials));
        if (limits["max_total_trials"] && spec.maxTotalTrials < 1)
            throw SweepSpecError(lineOf(limits["max_total_trials"]),
                                 u"max_total_trials must be at least 1, got %1"_s.arg(spec.maxTotalTrials));
        if (spec.timeoutSeconds < 0 || spec.trialTimeoutSeconds < 0)
            throw SweepSpecError(lineOf(limits), u"timeout and trial_timeout are seconds and must not be negative"_s);
    }
    if (spec.sampling == Sampling::Grid) {
        const qint64 grid = spec.space.gridSize();
        spec.maxTotalTrials = int(spec.maxTotalTrials > 0 ? std::min<qint64>(spec.maxTotalTrials, grid) : grid);
    } else if (spec.maxTotalTrials < 1) {
        throw SweepSpecError(limits ? lineOf(limits) : 1,
                             u"limits.max_total_trials is required for %1 sampling "
                             u"(how many trials to run)"_s.arg(samplingName(spec.sampling)));
    }
    if (root["early_termination"])
        parseEarlyTermination(spec, root["early_termination"]);
    if (const YAML::Node queue = root["queue_settings"]) {
        // Azure ML v2 jobs' queue_settings; job_tier (its compute tiers) has no meaning here.
        checkKeys(queue, u"queue_settings"_s, {u"priority"_s});
        if (queue["priority"]) {
            QString problem;
            const std::optional<int> priority =
                runPriorityFromText(scalar(queue["priority"], u"queue_settings.priority"_s), &problem);
            if (!priority)
                throw SweepSpecError(lineOf(queue["priority"]), u"queue_settings.priority: "_s + problem);
            spec.trial.priority = *priority;
        }
    }
    if (spec.sampling == Sampling::Bayesian) {
        if (spec.earlyTermination.type != EarlyTerminationPolicy::Type::None)
            throw SweepSpecError(lineOf(root["early_termination"]),
                                 u"bayesian sampling does not support early termination (as in Azure ML); remove "
                                 u"early_termination or use random sampling"_s);
        for (const SweepParameter &p : spec.space.parameters) {
            using T = SweepParameter::Type;
            if (p.type != T::Choice && p.type != T::Uniform && p.type != T::QUniform && p.type != T::LogUniform &&
                p.type != T::RandInt)
                throw SweepSpecError(spaceLines.value(p.name),
                                     u"bayesian sampling supports choice, randint, uniform, quniform and loguniform; "
                                     u"'%1' is %2"_s.arg(p.name, SweepParameter::typeName(p.type)));
        }
    }
    return spec;
}

QStringList SweepSpec::argumentsFor(const QJsonObject &values) const
{
    QStringList out;
    for (const QString &argument : trial.arguments) {
        QString text = argument;
        auto matches = placeholderPattern().globalMatch(argument);
        QList<QRegularExpressionMatch> all;
        while (matches.hasNext())
            all.prepend(matches.next()); // replace from the right so earlier offsets stay valid
        for (const QRegularExpressionMatch &m : all)
            text.replace(m.capturedStart(), m.capturedLength(), formatParameterValue(values.value(m.captured(1))));
        out.append(text);
    }
    return out;
}

RunRequest SweepSpec::requestFor(const QJsonObject &values) const
{
    RunRequest r = trial;
    r.arguments = argumentsFor(values);
    return r;
}

} // namespace mldesk::core
