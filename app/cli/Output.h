// Output: how commands print results - aligned text for people, JSON (--json) for scripts. Commands describe
// records and tables once; Output renders them in the chosen form on stdout.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace mldesk::cli {

class Output final {
public:
    struct Field {
        QString key;   // JSON key (snake_case)
        QString label; // heading for people
        QJsonValue value;
    };

    explicit Output(bool json) : m_json(json) {}
    bool json() const { return m_json; }

    // One record: "Label:  value" lines, or one JSON object.
    void record(const QList<Field> &fields) const;
    // Rows of fields (all rows share keys/labels): an aligned table with a header, or a JSON array of objects.
    void table(const QList<QList<Field>> &rows, const QList<Field> &header) const;
    // A line for people only (suppressed with --json).
    void note(const QString &line) const;
    // Raw text to stdout (help, version).
    static void text(const QString &text);
    static void error(const QString &line);    // one line on stderr
    static void toStderr(const QString &text); // progress and notes for people, written and flushed as is
    static QString humanBytes(double bytes);   // "1.0 MiB"

    static QJsonObject toObject(const QList<Field> &fields);
    static QString display(const QJsonValue &value);

private:
    bool m_json;
};

} // namespace mldesk::cli
