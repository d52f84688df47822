// SearchSpace: HyperDrive's distributions, grid enumeration and seeded random sampling; see the header.
#include "core/sweeps/SearchSpace.h"

#include <cmath>
#include <random>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

struct TypeEntry {
    SweepParameter::Type type;
    const char16_t *name;
};
constexpr TypeEntry kTypes[] = {
    {SweepParameter::Type::Choice, u"choice"},         {SweepParameter::Type::RandInt, u"randint"},
    {SweepParameter::Type::Uniform, u"uniform"},       {SweepParameter::Type::QUniform, u"quniform"},
    {SweepParameter::Type::LogUniform, u"loguniform"}, {SweepParameter::Type::QLogUniform, u"qloguniform"},
    {SweepParameter::Type::Normal, u"normal"},         {SweepParameter::Type::QNormal, u"qnormal"},
    {SweepParameter::Type::LogNormal, u"lognormal"},   {SweepParameter::Type::QLogNormal, u"qlognormal"},
};

double quantize(double x, double q)
{
    return std::round(x / q) * q;
}

// splitmix64: spreads (seed, index) over the generator's seed space so neighbouring trials are unrelated.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// [0, 1) from the top 53 bits (std::mt19937_64's output is fixed by the standard; its distributions are not).
double unit(std::mt19937_64 &rng)
{
    return double(rng() >> 11) * (1.0 / 9007199254740992.0);
}

} // namespace

QString SweepParameter::typeName(Type type)
{
    for (const TypeEntry &e : kTypes)
        if (e.type == type)
            return QString::fromUtf16(e.name);
    return {};
}

std::optional<SweepParameter::Type> SweepParameter::typeFromName(const QString &name)
{
    for (const TypeEntry &e : kTypes)
        if (name == QString::fromUtf16(e.name))
            return e.type;
    return std::nullopt;
}

QStringList SweepParameter::typeNames()
{
    QStringList names;
    for (const TypeEntry &e : kTypes)
        names.append(QString::fromUtf16(e.name));
    return names;
}

bool SweepParameter::isQuantized() const
{
    return type == Type::QUniform || type == Type::QLogUniform || type == Type::QNormal || type == Type::QLogNormal;
}

QString SweepParameter::problem() const
{
    switch (type) {
    case Type::Choice:
        return values.isEmpty() ? u"parameter '%1' (choice) has no values; list at least one"_s.arg(name) : QString();
    case Type::RandInt:
        return upper < 1
                   ? u"parameter '%1' (randint) needs upper >= 1 (values are 0 .. upper-1), got %2"_s.arg(name).arg(
                         upper)
                   : QString();
    case Type::Uniform:
    case Type::QUniform:
    case Type::LogUniform:
    case Type::QLogUniform:
        if (min > max)
            return u"parameter '%1' (%2): min_value %3 is greater than max_value %4; swap them"_s
                .arg(name, typeName(type))
                .arg(min)
                .arg(max);
        break;
    case Type::Normal:
    case Type::QNormal:
    case Type::LogNormal:
    case Type::QLogNormal:
        if (!(sigma > 0))
            return u"parameter '%1' (%2): sigma must be greater than 0, got %3"_s.arg(name, typeName(type)).arg(sigma);
        break;
    }
    if (isQuantized() && !(q > 0))
        return u"parameter '%1' (%2): q must be greater than 0, got %3"_s.arg(name, typeName(type)).arg(q);
    return {};
}

QJsonValue SweepParameter::sample(double u1, double u2) const
{
    // Box-Muller from two uniforms: the same numbers on every standard library.
    const auto gaussian = [&] {
        return mu + sigma * std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2 * M_PI * u2);
    };
    switch (type) {
    case Type::Choice:
        return values.at(std::min(qsizetype(u1 * double(values.size())), values.size() - 1));
    case Type::RandInt:
        return std::min(int(u1 * upper), upper - 1);
    case Type::Uniform:
        return min + u1 * (max - min);
    case Type::QUniform:
        return quantize(min + u1 * (max - min), q);
    case Type::LogUniform:
        return std::exp(min + u1 * (max - min));
    case Type::QLogUniform:
        return quantize(std::exp(min + u1 * (max - min)), q);
    case Type::Normal:
        return gaussian();
    case Type::QNormal:
        return quantize(gaussian(), q);
    case Type::LogNormal:
        return std::exp(gaussian());
    case Type::QLogNormal:
        return quantize(std::exp(gaussian()), q);
    }
    return {};
}

QJsonObject SweepParameter::toJson() const
{
    QJsonObject o{{u"name"_s, name}, {u"type"_s, typeName(type)}};
    switch (type) {
    case Type::Choice:
        o.insert(u"values"_s, values);
        break;
    case Type::RandInt:
        o.insert(u"upper"_s, upper);
        break;
    case Type::Uniform:
    case Type::QUniform:
    case Type::LogUniform:
    case Type::QLogUniform:
        o.insert(u"min_value"_s, min);
        o.insert(u"max_value"_s, max);
        break;
    default:
        o.insert(u"mu"_s, mu);
        o.insert(u"sigma"_s, sigma);
    }
    if (isQuantized())
        o.insert(u"q"_s, q);
    return o;
}

SweepParameter SweepParameter::fromJson(const QJsonObject &o)
{
    SweepParameter p;
    p.name = o.value(u"name"_s).toString();
    p.type = typeFromName(o.value(u"type"_s).toString()).value_or(Type::Choice);
    p.values = o.value(u"values"_s).toArray();
    p.upper = o.value(u"upper"_s).toInt();
    p.min = o.value(u"min_value"_s).toDouble();
    p.max = o.value(u"max_value"_s).toDouble();
    p.mu = o.value(u"mu"_s).toDouble();
    p.sigma = o.value(u"sigma"_s).toDouble(1);
    p.q = o.value(u"q"_s).toDouble();
    return p;
}

const SweepParameter *SearchSpace::find(const QString &name) const
{
    for (const SweepParameter &p : parameters)
        if (p.name == name)
            return &p;
    return nullptr;
}

QStringList SearchSpace::names() const
{
    QStringList out;
    for (const SweepParameter &p : parameters)
        out.append(p.name);
    return out;
}

QString SearchSpace::gridProblem() const
{
    for (const SweepParameter &p : parameters)
        if (!p.isChoice())
            return u"grid sampling enumerates choice parameters only; '%1' is %2 - make it a choice (values: [...]) "
                   u"or use random or bayesian sampling"_s.arg(p.name, SweepParameter::typeName(p.type));
    return {};
}

qint64 SearchSpace::gridSize() const
{
    qint64 n = 1;
    for (const SweepParameter &p : parameters)
        n *= p.isChoice() ? p.values.size() : 0;
    return parameters.isEmpty() ? 0 : n;
}

QJsonObject SearchSpace::gridPoint(qint64 index) const
{
    QJsonObject point;
    for (qsizetype i = parameters.size() - 1; i >= 0; --i) { // the last parameter varies fastest
        const SweepParameter &p = parameters[i];
        point.insert(p.name, p.values.at(index % p.values.size()));
        index /= p.values.size();
    }
    return point;
}

QJsonObject SearchSpace::randomPoint(quint64 seed, qint64 index) const
{
    std::mt19937_64 rng(mix(mix(seed) ^ quint64(index)));
    QJsonObject point;
    for (const SweepParameter &p : parameters) {
        const double u1 = unit(rng);
        const double u2 = unit(rng);
        point.insert(p.name, p.sample(u1, u2));
    }
    return point;
}

QJsonArray SearchSpace::toJson() const
{
    QJsonArray out;
    for (const SweepParameter &p : parameters)
        out.append(p.toJson());
    return out;
}

SearchSpace SearchSpace::fromJson(const QJsonArray &array)
{
    SearchSpace space;
    for (const QJsonValue &v : array)
        space.parameters.append(SweepParameter::fromJson(v.toObject()));
    return space;
}

QString formatParameterValue(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isBool())
        return value.toBool() ? u"true"_s : u"false"_s;
    const double d = value.toDouble();
    if (std::floor(d) == d && std::abs(d) < 1e15)
        return QString::number(qint64(d));
    return QString::number(d, 'g', 12);
}

} // namespace mldesk::core
