// IgnoreRules: the gitignore syntax of a source folder's .mldeskignore - comments, blank lines, '!' negation,
// trailing '/' (folders only), patterns with a '/' anchored at the folder, '*', '?', '[...]' and '**'.
#pragma once

#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class IgnoreRules final {
public:
    IgnoreRules() = default;
    explicit IgnoreRules(const QStringList &lines);
    static IgnoreRules fromFile(const QString &path); // no file: no rules

    void add(const QString &line);
    // path is relative to the folder, '/'-separated. The last rule that matches decides.
    bool isIgnored(const QString &relativePath, bool isDir) const;

private:
    struct Rule {
        QRegularExpression regex;
        bool negate = false;
        bool dirOnly = false;
        bool anchored = false; // matches the whole relative path, else the last component
    };
    QList<Rule> m_rules;
};

} // namespace mldesk::core
