// ModelFilter: a small hand-written scanner for the filter syntax (see the header) and the matching rules.
#include "core/models/ModelFilter.h"

#include "core/models/ModelRegistry.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QString kOperators = u"=, !=, ~, <, <=, >, >="_s;

bool isStop(QChar c)
{
    return c.isSpace() || c == u',' || c == u'=' || c == u'!' || c == u'~' || c == u'<' || c == u'>' || c == u'"';
}

class Parser {
public:
    explicit Parser(const QString &text) : m_text(text) {}

    ModelFilter run()
    {
        ModelFilter filter;
        skipSpaces();
        if (atEnd())
            fail(u"the filter is empty; give at least one clause such as name~mnist or accuracy>0.9"_s);
        while (true) {
            filter.add(clause());
            skipSpaces();
            if (atEnd())
                break;
            if (m_text[m_pos] == u',') {
                ++m_pos;
            } else if (m_text.mid(m_pos, 3).compare(u"and"_s, Qt::CaseInsensitive) == 0 &&
                       (m_pos + 3 >= m_text.size() || m_text[m_pos + 3].isSpace())) {
                m_pos += 3;
            } else {
                fail(u"expected ',' or 'and' before the next clause, found '%1'"_s.arg(rest()));
            }
            skipSpaces();
            if (atEnd())
                fail(u"expected a clause after the separator"_s);
        }
        return filter;
    }

    ModelFilter::Clause clause()
    {
        using F = ModelFilter::Field;
        ModelFilter::Clause c;
        const int fieldStart = m_pos;
        QString word;
        while (!atEnd() && !isStop(m_text[m_pos]))
            word += m_text[m_pos++];
        // A quoted key: "Final test accuracy">0.8, prop:"a b"=1, tag:"x y".
        bool quotedKey = false;
        if (!atEnd() && m_text[m_pos] == u'"' && (word.isEmpty() || word.endsWith(u':'))) {
            const int open = m_pos;
            QString key = quoted(open);
            if (key.isEmpty())
                fail(u"the quoted key is empty"_s, open);
            word = word.isEmpty() ? u"prop:"_s + key : word + key;
            quotedKey = true;
        }
        if (word.isEmpty())
            fail(u"expected a field (name, framework, description, version, run, tag:KEY or a property name), "
                 u"found '%1'"_s.arg(rest()));
        const QString lower = word.toLower();
        if (lower == u"name"_s) {
            c.field = F::Name;
        } else if (lower == u"framework"_s) {
            c.field = F::Framework;
        } else if (lower == u"description"_s) {
            c.field = F::Description;
        } else if (lower == u"version"_s) {
            c.field = F::Version;
        } else if (lower == u"run"_s) {
            c.field = F::Run;
        } else if (lower.startsWith(u"tag:"_s) || lower.startsWith(u"prop:"_s) || lower.startsWith(u"property:"_s)) {
            c.field = lower.startsWith(u"tag:"_s) ? F::Tag : F::Property;
            c.key = word.section(u':', 1);
            if (c.key.isEmpty())
                fail(u"'%1' needs a key after the colon, e.g. tag:stage=prod"_s.arg(word), m_pos);
        } else if (word.contains(u':') && !quotedKey) {
            fail(u"unknown field '%1'; use tag:KEY, prop:KEY or a property name"_s.arg(word), fieldStart);
        } else {
            c.field = F::Property;
            c.key = word;
        }
        skipSpaces();
        if (atEnd() || m_text[m_pos] == u',' || startsWithAnd()) {
            if (c.field != F::Tag)
                fail(u"expected an operator (%1) after '%2'"_s.arg(kOperators, word));
            c.op = ModelFilter::Op::Exists;
            return c;
        }
        const int opStart = m_pos;
        c.op = op();
        skipSpaces();
        const QString opText = m_text.mid(opStart, m_pos - opStart).trimmed();
        if (atEnd() || m_text[m_pos] == u',')
            fail(u"expected a value after '%1'"_s.arg(opText));
        const int valueStart = m_pos;
        c.value = value(opText);
        const bool ordering = c.op == ModelFilter::Op::Less || c.op == ModelFilter::Op::LessEqual ||
                              c.op == ModelFilter::Op::Greater || c.op == ModelFilter::Op::GreaterEqual;
        bool numeric = false;
        c.value.toDouble(&numeric);
        if ((ordering || c.field == F::Version) && !numeric)
            fail(u"'%1' is not a number; %2 compares numbers"_s.arg(c.value,
                                                                    ordering ? u"this operator"_s : u"version"_s),
                 valueStart);
        return c;
    }

private:
    ModelFilter::Op op()
    {
        using O = ModelFilter::Op;
        const QString two = m_text.mid(m_pos, 2);
        if (two == u"!="_s || two == u"<="_s || two == u">="_s || two == u"=="_s) {
            m_pos += 2;
            return two == u"!="_s   ? O::NotEqual
                   : two == u"<="_s ? O::LessEqual
                   : two == u">="_s ? O::GreaterEqual
                                    : O::Equal;
        }
        const QChar c = m_text[m_pos];
        if (c == u'=' || c == u'~' || c == u'<' || c == u'>') {
            ++m_pos;
            return c == u'=' ? O::Equal : c == u'~' ? O::Contains : c == u'<' ? O::Less : O::Greater;
        }
        fail(u"expected an operator (%1), found '%2'"_s.arg(kOperators, rest()));
    }

    QString value(const QString &opText)
    {
        if (m_text[m_pos] == u'"')
            return quoted(m_pos);
        const QChar first = m_text[m_pos];
        if (first == u'=' || first == u'!' || first == u'~' || first == u'<' || first == u'>')
            fail(u"expected a value after '%1', found '%2' (quote a value that starts with an operator)"_s.arg(opText,
                                                                                                               rest()));
        QString v;
        while (!atEnd() && !m_text[m_pos].isSpace() && m_text[m_pos] != u',')
            v += m_text[m_pos++];
        return v;
    }

    // The text between the quote at open and the next one; m_pos moves past the closing quote.
    QString quoted(int open)
    {
        m_pos = open + 1;
        QString v;
        while (!atEnd() && m_text[m_pos] != u'"')
            v += m_text[m_pos++];
        if (atEnd())
            fail(u"this quote is never closed; end it with \""_s, open);
        ++m_pos;
        return v;
    }

    bool startsWithAnd() const
    {
        return m_text.mid(m_pos, 3).compare(u"and"_s, Qt::CaseInsensitive) == 0 &&
               (m_pos + 3 >= m_text.size() || m_text[m_pos + 3].isSpace());
    }
    void skipSpaces()
    {
        while (!atEnd() && m_text[m_pos].isSpace())
            ++m_pos;
    }
    bool atEnd() const { return m_pos >= m_text.size(); }
    QString rest() const
    {
        const QString r = m_text.mid(m_pos);
        return r.size() > 20 ? r.left(20) + u"..."_s : r;
    }

    [[noreturn]] void fail(const QString &what, int at = -1) const
    {
        const int pos = at < 0 ? int(m_pos) : at;
        // One line (the CLI prints errors on one line): the expression with a marker where it went wrong.
        const QString marked = m_text.left(pos) + u" >>> "_s + m_text.mid(pos);
        throw ModelFilterError(u"filter error at column %1: %2 (in: %3). See mldesk-cli model list --help for the "
                               u"syntax"_s.arg(QString::number(pos + 1), what, marked.trimmed()),
                               pos + 1);
    }

    const QString &m_text;
    int m_pos = 0;
};

bool compare(const QString &actual, ModelFilter::Op op, const QString &expected)
{
    using O = ModelFilter::Op;
    bool actualNumeric = false;
    bool expectedNumeric = false;
    const double a = actual.toDouble(&actualNumeric);
    const double e = expected.toDouble(&expectedNumeric);
    if (op == O::Contains)
        return actual.contains(expected, Qt::CaseInsensitive);
    if (actualNumeric && expectedNumeric) {
        switch (op) {
        case O::Equal:
            return a == e;
        case O::NotEqual:
            return a != e;
        case O::Less:
            return a < e;
        case O::LessEqual:
            return a <= e;
        case O::Greater:
            return a > e;
        case O::GreaterEqual:
            return a >= e;
        default:
            return false;
        }
    }
    if (op == O::Equal)
        return actual.compare(expected, Qt::CaseInsensitive) == 0;
    if (op == O::NotEqual)
        return actual.compare(expected, Qt::CaseInsensitive) != 0;
    return false; // an ordering against a value that is not a number
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
    return Parser(expression).run();
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
