// FilterExpression: a small hand-written scanner for the filter syntax (see the header) and the comparison rules.
#include "core/filter/FilterExpression.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

using Op = FilterExpression::Op;
const QString kOperators = u"=, !=, ~, <, <=, >, >="_s;

bool isStop(QChar c)
{
    return c.isSpace() || c == u',' || c == u'=' || c == u'!' || c == u'~' || c == u'<' || c == u'>' || c == u'"';
}

class Parser {
public:
    Parser(const QString &text, const FilterExpression::Syntax &syntax) : m_text(text), m_syntax(syntax) {}

    QList<FilterExpression::Clause> run()
    {
        QList<FilterExpression::Clause> clauses;
        skipSpaces();
        if (atEnd())
            fail(u"the filter is empty; give at least one clause such as %1"_s.arg(m_syntax.example));
        while (true) {
            clauses.append(clause());
            const int before = m_pos;
            skipSpaces();
            if (atEnd())
                break;
            if (m_text[m_pos] == u',') {
                ++m_pos;
            } else if (startsWithAnd()) {
                m_pos += 3;
            } else if (!m_syntax.blankSeparates || before == m_pos) {
                fail(u"expected ',' or 'and' before the next clause, found '%1'"_s.arg(rest()));
            }
            skipSpaces();
            if (atEnd())
                fail(u"expected a clause after the separator"_s);
        }
        return clauses;
    }

private:
    FilterExpression::Clause clause()
    {
        FilterExpression::Clause c;
        c.fieldColumn = m_pos + 1;
        QString word;
        while (!atEnd() && !isStop(m_text[m_pos]))
            word += m_text[m_pos++];
        // A quoted key: "Final test accuracy">0.8, prop:"a b"=1, tag:"x y".
        if (!atEnd() && m_text[m_pos] == u'"' && (word.isEmpty() || word.endsWith(u':'))) {
            const int open = m_pos;
            const QString key = quoted(open);
            if (key.isEmpty())
                fail(u"the quoted key is empty"_s, open);
            word += key;
            c.quoted = true;
        }
        if (word.isEmpty())
            fail(u"expected a field (%1), found '%2'"_s.arg(m_syntax.fields, rest()));
        c.field = word;
        c.opColumn = m_pos + 1;
        skipSpaces();
        if (atEnd() || m_text[m_pos] == u',' || startsWithAnd() ||
            (m_syntax.blankSeparates && c.opColumn <= m_pos && !isOperator(m_text[m_pos]))) {
            if (!word.startsWith(u"tag:"_s, Qt::CaseInsensitive))
                fail(u"expected an operator (%1) after '%2'"_s.arg(kOperators, word), c.opColumn - 1);
            c.op = Op::Exists;
            c.opColumn = m_pos + 1;
            return c;
        }
        const int opStart = m_pos;
        c.op = op();
        skipSpaces();
        const QString opText = m_text.mid(opStart, m_pos - opStart).trimmed();
        if (atEnd() || m_text[m_pos] == u',')
            fail(u"expected a value after '%1'"_s.arg(opText));
        c.valueColumn = m_pos + 1;
        c.value = value(opText);
        bool numeric = false;
        c.value.toDouble(&numeric);
        if (FilterExpression::isOrdering(c.op) && !numeric)
            fail(u"'%1' is not a number; this operator compares numbers"_s.arg(c.value), c.valueColumn - 1);
        return c;
    }

    static bool isOperator(QChar c) { return c == u'=' || c == u'!' || c == u'~' || c == u'<' || c == u'>'; }

    Op op()
    {
        const QString two = m_text.mid(m_pos, 2);
        if (two == u"!="_s || two == u"<="_s || two == u">="_s || two == u"=="_s) {
            m_pos += 2;
            return two == u"!="_s   ? Op::NotEqual
                   : two == u"<="_s ? Op::LessEqual
                   : two == u">="_s ? Op::GreaterEqual
                                    : Op::Equal;
        }
        const QChar c = m_text[m_pos];
        if (c == u'=' || c == u'~' || c == u'<' || c == u'>') {
            ++m_pos;
            return c == u'=' ? Op::Equal : c == u'~' ? Op::Contains : c == u'<' ? Op::Less : Op::Greater;
        }
        fail(u"expected an operator (%1), found '%2'"_s.arg(kOperators, rest()));
    }

    QString value(const QString &opText)
    {
        if (m_text[m_pos] == u'"')
            return quoted(m_pos);
        if (isOperator(m_text[m_pos]))
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
        FilterExpression::fail(m_text, m_syntax, (at < 0 ? m_pos : at) + 1, what);
    }

    const QString &m_text;
    const FilterExpression::Syntax &m_syntax;
    int m_pos = 0;
};

} // namespace

QList<FilterExpression::Clause> FilterExpression::parse(const QString &expression, const Syntax &syntax)
{
    return Parser(expression, syntax).run();
}

void FilterExpression::fail(const QString &expression, const Syntax &syntax, int column, const QString &what)
{
    const int pos = column - 1;
    // One line (the CLI prints errors on one line): the expression with a marker where it went wrong.
    const QString marked = expression.left(pos) + u" >>> "_s + expression.mid(pos);
    QString message = u"filter error at column %1: %2 (in: %3)"_s.arg(QString::number(column), what, marked.trimmed());
    if (!syntax.help.isEmpty())
        message += u". See %1 for the syntax"_s.arg(syntax.help);
    throw FilterError(message, column);
}

bool FilterExpression::compare(const QString &actual, Op op, const QString &expected)
{
    if (op == Op::Exists)
        return true;
    if (op == Op::Contains)
        return actual.contains(expected, Qt::CaseInsensitive);
    bool actualNumeric = false;
    const double a = actual.toDouble(&actualNumeric);
    if (actualNumeric)
        return compare(a, op, expected);
    if (op == Op::Equal)
        return actual.compare(expected, Qt::CaseInsensitive) == 0;
    if (op == Op::NotEqual)
        return actual.compare(expected, Qt::CaseInsensitive) != 0;
    return false; // an ordering against a value that is not a number
}

bool FilterExpression::compare(double a, Op op, const QString &expected)
{
    bool numeric = false;
    const double e = expected.toDouble(&numeric);
    if (std::isnan(a))
        return false;
    if (!numeric) // a number against text: as text ("=" on a number's spelling)
        return op == Op::Contains ? QString::number(a, 'g', 17).contains(expected, Qt::CaseInsensitive)
                                  : op == Op::NotEqual;
    switch (op) {
    case Op::Equal:
        return a == e;
    case Op::NotEqual:
        return a != e;
    case Op::Less:
        return a < e;
    case Op::LessEqual:
        return a <= e;
    case Op::Greater:
        return a > e;
    case Op::GreaterEqual:
        return a >= e;
    case Op::Contains:
        return QString::number(a, 'g', 17).contains(expected, Qt::CaseInsensitive);
    case Op::Exists:
        return true;
    }
    return false;
}

} // namespace mldesk::core
