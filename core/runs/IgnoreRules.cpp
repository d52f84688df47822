// IgnoreRules: gitignore patterns translated to regular expressions; see the header.
#include "core/runs/IgnoreRules.h"

#include <QFile>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString globToRegex(const QString &glob)
{
    QString rx;
    for (int i = 0; i < glob.size(); ++i) {
        const QChar c = glob[i];
        if (c == u'*') {
            if (i + 1 < glob.size() && glob[i + 1] == u'*') {
                const bool slashAfter = i + 2 < glob.size() && glob[i + 2] == u'/';
                if (slashAfter) { // "**/": zero or more folders
                    rx += u"(?:.*/)?"_s;
                    i += 2;
                } else { // "**" elsewhere: anything
                    rx += u".*"_s;
                    i += 1;
                }
            } else {
                rx += u"[^/]*"_s;
            }
        } else if (c == u'?') {
            rx += u"[^/]"_s;
        } else if (c == u'[') {
            const int close = glob.indexOf(u']', i + 1);
            if (close < 0) {
                rx += u"\\["_s;
            } else {
                QString set = glob.mid(i + 1, close - i - 1);
                if (set.startsWith(u'!'))
                    set[0] = u'^';
                rx += u'[' + set + u']';
                i = close;
            }
        } else if (c == u'\\' && i + 1 < glob.size()) {
            rx += QRegularExpression::escape(QString(glob[++i]));
        } else {
            rx += QRegularExpression::escape(QString(c));
        }
    }
    return rx;
}

} // namespace

IgnoreRules::IgnoreRules(const QStringList &lines)
{
    for (const QString &line : lines)
        add(line);
}

IgnoreRules IgnoreRules::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return IgnoreRules(QString::fromUtf8(file.readAll()).split(u'\n'));
}

void IgnoreRules::add(const QString &raw)
{
    QString line = raw;
    if (line.endsWith(u'\r'))
        line.chop(1);
    // Trailing spaces are ignored unless escaped.
    while (line.endsWith(u' ') && !line.endsWith(u"\\ "_s))
        line.chop(1);
    if (line.isEmpty() || line.startsWith(u'#'))
        return;
    Rule rule;
    if (line.startsWith(u'!')) {
        rule.negate = true;
        line.remove(0, 1);
    } else if (line.startsWith(u"\\!"_s) || line.startsWith(u"\\#"_s)) {
        line.remove(0, 1);
    }
    if (line.endsWith(u'/')) {
        rule.dirOnly = true;
        line.chop(1);
    }
    if (line.startsWith(u"**/"_s))
        line.remove(0, 3); // "**/x" is "x" at any depth
    rule.anchored = line.contains(u'/');
    if (line.startsWith(u'/'))
        line.remove(0, 1);
    if (line.isEmpty())
        return;
    rule.regex = QRegularExpression(QRegularExpression::anchoredPattern(globToRegex(line)));
    if (rule.regex.isValid())
        m_rules.append(rule);
}

bool IgnoreRules::isIgnored(const QString &relativePath, bool isDir) const
{
    const QString name = relativePath.section(u'/', -1);
    bool ignored = false;
    for (const Rule &rule : m_rules) {
        if (rule.dirOnly && !isDir)
            continue;
        if (rule.regex.match(rule.anchored ? relativePath : name).hasMatch())
            ignored = !rule.negate;
    }
    return ignored;
}

} // namespace mldesk::core
