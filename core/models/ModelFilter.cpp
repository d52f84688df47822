// ModelFilter: model fields over FilterExpression's clauses, and the matching rules.
#include "core/models/ModelFilter.h"

#include "core/models/ModelRegistry.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

FilterExpression::Syntax syntax()
{
    return {false, u"name, framework, description, version, run, tag:KEY or a property name"_s,
            u"name~mnist or accuracy>0.9"_s, u"mldesk-cli model list --help"_s};
}

// What a model field means: the scanner's clause mapped onto a version's fields, properties and tags.
ModelFilter::Clause toModelClause(const QString &text, const FilterExpression::Clause &in)
{
    using F = ModelFilter::Field;
    ModelFilter::Clause c;
    c.op = in.op;
    c.value = in.value;
    const QString &word = in.field;
    const QString lower = word.toLower();
    const bool prefixed =
        lower.startsWith(u"tag:"_s) || lower.startsWith(u"prop:"_s) || lower.startsWith(u"property:"_s);
    if (in.quoted && !prefixed) {
        c.field = F::Property;
        c.key = word;
    } else if (lower == u"name"_s) {
        c.field = F::Name;
    } else if (lower == u"framework"_s) {
        c.field = F::Framework;
    } else if (lower == u"description"_s) {
        c.field = F::Description;
    } else if (lower == u"version"_s) {
        c.field = F::Version;
    } else if (lower == u"run"_s) {
        c.field = F::Run;
    } else if (prefixed) {
        c.field = lower.startsWith(u"tag:"_s) ? F::Tag : F::Property;
        c.key = word.section(u':', 1);
        if (c.key.isEmpty())
            FilterExpression::fail(text, syntax(), in.fieldColumn + int(word.size()),
                                   u"'%1' needs a key after the colon, e.g. tag:stage=prod"_s.arg(word));
    } else if (word.contains(u':')) {
        FilterExpression::fail(text, syntax(), in.fieldColumn,
                               u"unknown field '%1'; use tag:KEY, prop:KEY or a property name"_s.arg(word));
    } else {
        c.field = F::Property;
        c.key = word;
    }
    bool numeric = false;
    c.value.toDouble(&numeric);
    if (c.field == F::Version && c.op != ModelFilter::Op::Exists && !numeric)
        FilterExpression::fail(text, syntax(), in.valueColumn,
                               u"'%1' is not a number; version compares numbers"_s.arg(c.value));
    return c;
}

bool compare(const QString &actual, ModelFilter::Op op, const QString &expected)
{
    return FilterExpression::compare(actual, op, expected);
}

// Keys of tags and properties match case-insensitively ("accuracy" finds "Accuracy").
const QString *findKey(const QMap<QString, QString> &map, const QString &key)
{
    for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
        if (it.key().compare(key, Qt::CaseInsensitive) == 0)
            return &it.value();
    }
    return nullptr;
}

} // namespace

ModelFilter ModelFilter::parse(const QString &expression)
{
    ModelFilter filter;
    for (const FilterExpression::Clause &c : FilterExpression::parse(expression, syntax()))
        filter.add(toModelClause(expression, c));
    return filter;
}

ModelFilter::Clause ModelFilter::tagClause(const QString &keyValue)
{
    const ModelFilter f = parse(u"tag:"_s + keyValue);
    if (f.clauses().size() != 1 || f.clauses().first().field != Field::Tag)
        throw ModelFilterError(u"--tag takes KEY or KEY=VALUE, not '%1'"_s.arg(keyValue), 1);
    return f.clauses().first();
}

bool ModelFilter::matches(const ModelVersion &v) const
{
    for (const Clause &c : m_clauses) {
        bool ok = false;
        switch (c.field) {
        case Field::Name:
            ok = compare(v.name, c.op, c.value);
            break;
        case Field::Framework:
            ok = compare(v.framework, c.op, c.value);
            break;
        case Field::Description:
            ok = compare(v.description, c.op, c.value);
            break;
        case Field::Version:
            ok = compare(QString::number(v.version), c.op, c.value);
            break;
        case Field::Run:
            ok = compare(v.runUid, c.op, c.value);
            break;
        case Field::Tag:
        case Field::Property: {
            const QString *actual = findKey(c.field == Field::Tag ? v.tags : v.properties, c.key);
            ok = actual && (c.op == Op::Exists || compare(*actual, c.op, c.value));
            break;
        }
        }
        if (!ok)
            return false;
    }
    return true;
}

QString ModelFilter::syntaxHelp()
{
    return u"Filter syntax: CLAUSE [, CLAUSE | and CLAUSE ...] - all must hold.\n"
           u"  CLAUSE  FIELD OP VALUE, or tag:KEY (the tag is set)\n"
           u"  FIELD   name, framework, description, version, run,\n"
           u"          tag:KEY, prop:KEY, or a bare property name\n"
           u"  OP      = != ~ (contains) < <= > >=\n"
           u"  VALUE   a word, or \"a quoted string\" (keys may be quoted too:\n"
           u"          \"Final test accuracy\">0.85, tag:\"my key\"=x)\n"
           u"  Numbers compare as numbers (< and > need one); text and keys\n"
           u"  ignore case; a version without the tag or property never matches.\n"
           u"  e.g. accuracy>0.88   name~mnist   tag:stage=prod, framework=Keras\n"_s;
}

} // namespace mldesk::core
