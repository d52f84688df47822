// ArgumentLine: the splitter, the quoting and the key/value pairing.
#include "ui/runs/ArgumentLine.h"

namespace mldesk::ui::ArgumentLine {

QStringList split(const QString &line, QString *error)
{
    QStringList out;
    QString current;
    bool inArgument = false; // "" makes an argument even when nothing is inside
    QChar quote;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quote.isNull()) {
            if (c.isSpace()) {
                if (inArgument)
                    out.append(current);
                current.clear();
                inArgument = false;
            } else if (c == u'"' || c == u'\'') {
                quote = c;
                inArgument = true;
            } else if (c == u'\\' && i + 1 < line.size()) {
                current += line.at(++i);
                inArgument = true;
            } else {
                current += c;
                inArgument = true;
            }
        } else if (c == quote) {
            quote = QChar();
        } else if (quote == u'"' && c == u'\\' && i + 1 < line.size() &&
                   (line.at(i + 1) == u'"' || line.at(i + 1) == u'\\')) {
            current += line.at(++i);
        } else {
            current += c;
        }
    }
    if (!quote.isNull() && error)
        *error = QStringLiteral("a %1 quote is not closed: close it, or escape it as \\%1").arg(quote);
    if (inArgument)
        out.append(current);
    return out;
}

QString join(const QStringList &arguments)
{
    QStringList parts;
    for (const QString &a : arguments) {
        bool plain = !a.isEmpty();
        for (const QChar c : a)
            plain = plain && !c.isSpace() && c != u'"' && c != u'\'' && c != u'\\';
        if (plain) {
            parts.append(a);
            continue;
        }
        QString quoted = a;
        quoted.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        parts.append(u'"' + quoted + u'"');
    }
    return parts.join(u' ');
}

bool isKey(const QString &argument)
{
    if (argument.startsWith(QStringLiteral("--")))
        return argument.size() > 2;
    return argument.size() >= 2 && argument.at(0) == u'-' && argument.at(1).isLetter();
}

QList<Row> toRows(const QStringList &arguments)
{
    QList<Row> rows;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        if (!isKey(a)) {
            rows.append({QString(), a});
            continue;
        }
        if (a.startsWith(QStringLiteral("--")) && a.contains(u'=')) {
            rows.append({a, QString()}); // "--name=value" carries its value: a row of its own
            continue;
        }
        if (i + 1 < arguments.size() && !isKey(arguments.at(i + 1)))
            rows.append({a, arguments.at(++i)});
        else
            rows.append({a, QString()});
    }
    return rows;
}

QStringList fromRows(const QList<Row> &rows)
{
    QStringList out;
    for (const Row &row : rows) {
        if (!row.first.isEmpty())
            out.append(row.first);
        if (!row.second.isEmpty() || row.first.isEmpty())
            out.append(row.second);
    }
    out.removeAll(QString()); // a row with neither
    return out;
}

} // namespace mldesk::ui::ArgumentLine
