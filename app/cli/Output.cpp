// Output: text and JSON rendering for mldesk-cli.
#include "app/cli/Output.h"

#include <QJsonDocument>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::cli {

namespace {

void writeStdout(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

} // namespace

QJsonObject Output::toObject(const QList<Field> &fields)
{
    QJsonObject object;
    for (const Field &f : fields)
        object.insert(f.key, f.value);
    return object;
}

QString Output::display(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"-"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"yes"_s : u"no"_s;
    case QJsonValue::Double: {
        const double d = value.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d, 'g', 10);
    }
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Array:
    case QJsonValue::Object:
        return QString::fromUtf8(
            QJsonDocument(value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject()))
                .toJson(QJsonDocument::Compact));
    }
    return {};
}

void Output::record(const QList<Field> &fields) const
{
    if (m_json) {
        writeStdout(QString::fromUtf8(QJsonDocument(toObject(fields)).toJson(QJsonDocument::Indented)));
        return;
    }
    qsizetype width = 0;
    for (const Field &f : fields)
        width = std::max(width, f.label.size() + 1);
    QString out;
    for (const Field &f : fields)
        out += QString(f.label + u':').leftJustified(width + 1) + display(f.value) + u'\n';
    writeStdout(out);
}

void Output::table(const QList<QList<Field>> &rows, const QList<Field> &header) const
{
    if (m_json) {
        QJsonArray array;
        for (const auto &row : rows)
            array.append(toObject(row));
        writeStdout(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
        return;
    }
    QList<qsizetype> widths;
    for (const Field &h : header)
        widths.append(h.label.size());
    for (const auto &row : rows)
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], display(row[i].value).size());
    auto line = [&](const QStringList &cells) -> QString {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i)
            text += (i + 1 < cells.size() ? cells[i].leftJustified(widths[i] + 2) : cells[i]);
        while (text.endsWith(u' ')) // an empty last column leaves no trailing blanks
            text.chop(1);
        return text + u'\n';
    };
    QStringList labels;
    for (const Field &h : header)
        labels.append(h.label);
    QString out = line(labels);
    for (const auto &row : rows) {
        QStringList cells;
        for (const Field &f : row)
            cells.append(display(f.value));
        out += line(cells);
    }
    writeStdout(out);
}

void Output::note(const QString &line) const
{
    if (!m_json)
        writeStdout(line + u'\n');
}

void Output::text(const QString &text)
{
    writeStdout(text);
}

void Output::error(const QString &line)
{
    QString oneLine = line;
    oneLine.replace(u'\n', u' ');
    const QByteArray bytes = (u"mldesk-cli: error: "_s + oneLine + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

void Output::toStderr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

QString Output::humanBytes(double bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(qint64(bytes))
                  : QStringLiteral("%1 %2").arg(bytes, 0, 'f', 1).arg(QString::fromLatin1(units[u]));
}

} // namespace mldesk::cli
