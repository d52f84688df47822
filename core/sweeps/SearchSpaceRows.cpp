// SearchSpaceRows: search_space <-> rows of text; see the header.
#include "core/sweeps/SearchSpaceRows.h"

#include "core/sweeps/SearchSpace.h"

#include <QRegularExpression>
#include <QStringList>

#include <yaml-cpp/yaml.h>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

using T = SweepParameter::Type;

bool isUniformFamily(T t)
{
    return t == T::Uniform || t == T::QUniform || t == T::LogUniform || t == T::QLogUniform;
}

QStringList boundKeys(T t, bool quantized)
{
    QStringList keys;
    if (t == T::Choice)
        return keys;
    if (t == T::RandInt)
        return {u"upper"_s};
    keys = isUniformFamily(t) ? QStringList{u"min_value"_s, u"max_value"_s} : QStringList{u"mu"_s, u"sigma"_s};
    if (quantized)
        keys.append(u"q"_s);
    return keys;
}

bool looksNumeric(const QString &text)
{
    bool ok = false;
    text.toDouble(&ok);
    return ok;
}

QString quoted(const QString &text)
{
    QString out = text;
    out.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
    return u'"' + out + u'"';
}

QStringList splitBounds(const QString &bounds)
{
    QStringList parts = bounds.split(u',');
    for (QString &p : parts)
        p = p.trimmed();
    if (parts.size() == 1 && parts[0].isEmpty())
        parts.clear();
    return parts;
}

} // namespace

QString SearchSpaceRow::boundsHint(const QString &type)
{
    const auto t = SweepParameter::typeFromName(type);
    if (!t)
        return {};
    if (*t == T::Choice)
        return u"values, e.g. 25, 50, 100"_s;
    SweepParameter p;
    p.type = *t;
    return boundKeys(*t, p.isQuantized())
               .join(u", "_s)
               .replace(u"min_value"_s, u"min"_s)
               .replace(u"max_value"_s, u"max"_s) +
           (*t == T::LogUniform || *t == T::QLogUniform ? u" (natural-log exponents)"_s : QString());
}

QString SearchSpaceRow::problem(SweepParameter *out) const
{
    static const QRegularExpression namePattern(uR"(^[A-Za-z0-9_.\-]+$)"_s);
    if (name.trimmed().isEmpty())
        return u"give the parameter a name"_s;
    if (!namePattern.match(name.trimmed()).hasMatch())
        return u"'%1': a name may hold only letters, digits, '_', '.' and '-'"_s.arg(name);
    const auto t = SweepParameter::typeFromName(type.trimmed().toLower());
    if (!t)
        return u"unknown parameter type '%1'; types are: %2"_s.arg(type, SweepParameter::typeNames().join(u", "_s));
    SweepParameter p;
    p.name = name.trimmed();
    p.type = *t;
    const QStringList parts = splitBounds(bounds);
    if (*t == T::Choice) {
        for (const QString &v : parts) {
            if (v.isEmpty())
                return u"'%1' (choice): an empty value between commas"_s.arg(p.name);
            bool ok = false;
            const double d = v.toDouble(&ok);
            p.values.append(ok ? QJsonValue(d) : QJsonValue(v));
        }
    } else {
        const QStringList keys = boundKeys(*t, p.isQuantized());
        if (parts.size() != keys.size())
            return u"'%1' (%2) needs %3 (%4); got '%5'"_s.arg(p.name, SweepParameter::typeName(*t),
                                                              keys.size() == 1 ? u"one number"_s
                                                                               : u"%1 numbers"_s.arg(keys.size()),
                                                              boundsHint(type), bounds.trimmed());
        QList<double> numbers;
        for (int i = 0; i < parts.size(); ++i) {
            bool ok = false;
            const double d = parts[i].toDouble(&ok);
            if (!ok || !std::isfinite(d))
                return u"'%1' (%2): %3 must be a number, got '%4'"_s.arg(p.name, SweepParameter::typeName(*t), keys[i],
                                                                         parts[i]);
            numbers.append(d);
        }
        if (*t == T::RandInt) {
            if (std::floor(numbers[0]) != numbers[0])
                return u"'%1' (randint): upper must be a whole number, got %2"_s.arg(p.name, parts[0]);
            p.upper = int(numbers[0]);
        } else if (isUniformFamily(*t)) {
            p.min = numbers[0];
            p.max = numbers[1];
        } else {
            p.mu = numbers[0];
            p.sigma = numbers[1];
        }
        if (p.isQuantized())
            p.q = numbers[2];
    }
    if (const QString problem = p.problem(); !problem.isEmpty())
        return problem;
    if (out)
        *out = p;
    return {};
}

QString SearchSpaceRow::yamlLine() const
{
    const auto t = SweepParameter::typeFromName(type.trimmed().toLower()).value_or(T::Choice);
    SweepParameter p;
    p.type = t;
    const QStringList parts = splitBounds(bounds);
    QString line = name.trimmed() + u": {type: "_s + SweepParameter::typeName(t);
    if (t == T::Choice) {
        QStringList values;
        for (const QString &v : parts)
            values.append(looksNumeric(v) ? v : quoted(v));
        line += u", values: ["_s + values.join(u", "_s) + u']';
    } else {
        const QStringList keys = boundKeys(t, p.isQuantized());
        for (int i = 0; i < keys.size() && i < parts.size(); ++i)
            line += u", "_s + keys[i] + u": "_s + parts[i];
    }
    return line + u'}';
}

SearchSpaceRows SearchSpaceRows::read(const QString &yamlText)
{
    SearchSpaceRows out;
    try {
        const YAML::Node root = YAML::Load(yamlText.toStdString());
        const YAML::Node space = root.IsMap() ? root["search_space"] : YAML::Node();
        if (!space || !space.IsMap()) {
            out.problem = u"the file has no search_space mapping"_s;
            return out;
        }
        for (auto it = space.begin(); it != space.end(); ++it) {
            SearchSpaceRow row;
            row.name = QString::fromStdString(it->first.Scalar());
            row.line = it->first.Mark().is_null() ? 0 : it->first.Mark().line + 1;
            const YAML::Node node = it->second;
            if (node.IsMap() && node["type"] && node["type"].IsScalar()) {
                row.type = QString::fromStdString(node["type"].Scalar()).trimmed();
                const auto t = SweepParameter::typeFromName(row.type.toLower());
                QStringList parts;
                if (t == T::Choice && node["values"] && node["values"].IsSequence()) {
                    for (const YAML::Node &v : node["values"])
                        if (v.IsScalar())
                            parts.append(QString::fromStdString(v.Scalar()));
                } else if (t) {
                    SweepParameter p;
                    p.type = *t;
                    for (const QString &key : boundKeys(*t, p.isQuantized()))
                        if (const YAML::Node v = node[key.toStdString()]; v && v.IsScalar())
                            parts.append(QString::fromStdString(v.Scalar()));
                }
                row.bounds = parts.join(u", "_s);
            }
            out.rows.append(row);
        }
    } catch (const YAML::Exception &e) {
        out.rows.clear();
        out.problem = u"line %1: %2"_s.arg(e.mark.line + 1).arg(QString::fromStdString(e.msg));
    }
    return out;
}

QString SearchSpaceRows::write(const QString &yamlText, const QList<SearchSpaceRow> &rows)
{
    QStringList lines = yamlText.split(u'\n');
    QStringList block{u"search_space:"_s};
    for (const SearchSpaceRow &row : rows)
        block.append(u"  "_s + row.yamlLine());
    static const QRegularExpression key(uR"(^search_space\s*:)"_s);
    qsizetype start = -1;
    for (qsizetype i = 0; i < lines.size() && start < 0; ++i)
        if (key.match(lines[i]).hasMatch())
            start = i;
    if (start < 0) {
        while (!lines.isEmpty() && lines.constLast().trimmed().isEmpty())
            lines.removeLast();
        return (lines + block).join(u'\n') + u'\n';
    }
    qsizetype end = start + 1; // the block: indented (or empty) lines after the key
    while (end < lines.size() && (lines[end].isEmpty() || lines[end].front().isSpace()))
        ++end;
    while (end > start + 1 && lines[end - 1].trimmed().isEmpty())
        --end; // blank lines before the next key stay
    lines.remove(start, end - start);
    for (qsizetype i = 0; i < block.size(); ++i)
        lines.insert(start + i, block[i]);
    return lines.join(u'\n');
}

QString SearchSpaceRows::duplicateProblem(const QList<SearchSpaceRow> &rows, int row)
{
    const QString name = rows.value(row).name.trimmed();
    for (int i = 0; i < row; ++i)
        if (rows[i].name.trimmed() == name && !name.isEmpty())
            return u"'%1' is already a parameter (row %2); names must differ"_s.arg(name).arg(i + 1);
    return {};
}

} // namespace mldesk::core
