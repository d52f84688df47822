// OptunaSampler: the TPE helper process and its JSON-lines protocol; see the header.
#include "core/sweeps/OptunaSampler.h"

#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QMutex>
#include <QProcessEnvironment>

#include <stdexcept>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr int kCallTimeoutMs = 120000; // importing optuna on a loaded 2-core machine takes seconds, not minutes

// The helper. HyperDrive semantics: loguniform bounds are natural-log exponents; q types are rounded to q.
const char *const kHelper = R"PY(
import json, math, sys
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = None
dists = {}
quant = {}
asked = {}
def distribution(p):
    t = p["type"]
    if t == "choice": return CategoricalDistribution(p["values"])
    if t == "randint": return IntDistribution(0, p["upper"] - 1)
    if t in ("uniform", "quniform"): return FloatDistribution(p["min_value"], p["max_value"])
    if t == "loguniform": return FloatDistribution(math.exp(p["min_value"]), math.exp(p["max_value"]), log=True)
    raise ValueError("bayesian sampling does not support %s (parameter %s)" % (t, p["name"]))
def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n"); sys.stdout.flush()
for line in sys.stdin:
    try:
        req = json.loads(line)
        op = req["op"]
        if op == "init":
            for p in req["space"]:
                dists[p["name"]] = distribution(p)
                if p["type"] == "quniform": quant[p["name"]] = p["q"]
            direction = "maximize" if req["goal"] == "maximize" else "minimize"
            sampler = optuna.samplers.TPESampler(seed=req["seed"] % (2 ** 32))
            study = optuna.create_study(direction=direction, sampler=sampler)
            reply({"ok": True, "optuna": optuna.__version__})
        elif op == "ask":
            trial = study.ask(dists)
            asked[trial.number] = trial
            values = {}
            for k, v in trial.params.items():
                values[k] = round(v / quant[k]) * quant[k] if k in quant else v
            reply({"number": trial.number, "values": values})
        elif op == "tell":
            trial = asked.pop(req["number"])
            if req.get("value") is None: study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else: study.tell(trial, req["value"])
            reply({"ok": True})
        elif op == "add":
            params = {k: v for k, v in req["values"].items() if k in dists}
            study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=req["value"]))
            reply({"ok": True})
        else:
            reply({"error": "unknown op " + op})
    except Exception as e:
        reply({"error": "%s: %s" % (type(e).__name__, e)})
)PY";

} // namespace

QString OptunaSampler::python()
{
    const QString configured = QProcessEnvironment::systemEnvironment().value(u"MLDESK_SWEEP_PYTHON"_s);
    if (!configured.isEmpty())
        return configured;
    return QFileInfo::exists(u"/usr/bin/python3"_s) ? u"/usr/bin/python3"_s : u"python3"_s;
}

QString OptunaSampler::unavailableReason()
{
    static QMutex mutex;
    static QHash<QString, QString> cache; // per interpreter
    QMutexLocker lock(&mutex);
    if (auto it = cache.constFind(python()); it != cache.cend())
        return *it;
    QProcess probe;
    probe.start(python(), {u"-c"_s, u"import optuna"_s});
    const bool ok =
        probe.waitForFinished(kCallTimeoutMs) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0;
    const QString reason =
        ok ? QString()
           : u"bayesian sampling needs Optuna for %1, which is not installed: install the Debian package "
             u"python3-optuna (apt-get install python3-optuna), or use random sampling"_s.arg(python());
    cache.insert(python(), reason);
    return reason;
}

OptunaSampler::OptunaSampler(const SweepSpec &spec)
{
    m_process.setProgram(python());
    m_process.setArguments({u"-u"_s, u"-c"_s, QString::fromUtf8(kHelper)});
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start();
    if (!m_process.waitForStarted(kCallTimeoutMs))
        throw std::runtime_error("cannot start the Optuna helper (" + python().toStdString() +
                                 "): " + m_process.errorString().toStdString());
    call(QJsonObject{{u"op"_s, u"init"_s},
                     {u"space"_s, spec.space.toJson()},
                     {u"goal"_s, spec.goal == SweepSpec::Goal::Maximize ? u"maximize"_s : u"minimize"_s},
                     {u"seed"_s, double(spec.seed)}});
}

OptunaSampler::~OptunaSampler()
{
    m_process.closeWriteChannel(); // the helper ends at end of input
    if (!m_process.waitForFinished(5000))
        m_process.kill();
    m_process.waitForFinished(1000);
}

QJsonObject OptunaSampler::call(const QJsonObject &request)
{
    m_process.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    while (!m_process.canReadLine()) {
        if (m_process.state() != QProcess::Running || !m_process.waitForReadyRead(kCallTimeoutMs))
            throw std::runtime_error("the Optuna helper stopped answering (" + python().toStdString() + ")");
    }
    const QJsonObject reply = QJsonDocument::fromJson(m_process.readLine()).object();
    if (reply.contains(u"error"_s))
        throw std::runtime_error("Optuna: " + reply.value(u"error"_s).toString().toStdString());
    return reply;
}

OptunaSampler::Asked OptunaSampler::ask()
{
    const QJsonObject reply = call(QJsonObject{{u"op"_s, u"ask"_s}});
    return {reply.value(u"number"_s).toInt(), reply.value(u"values"_s).toObject()};
}

void OptunaSampler::tell(int number, std::optional<double> value)
{
    call(QJsonObject{
        {u"op"_s, u"tell"_s}, {u"number"_s, number}, {u"value"_s, value ? QJsonValue(*value) : QJsonValue()}});
}

void OptunaSampler::add(const QJsonObject &values, double value)
{
    call(QJsonObject{{u"op"_s, u"add"_s}, {u"values"_s, values}, {u"value"_s, value}});
}

} // namespace mldesk::core
