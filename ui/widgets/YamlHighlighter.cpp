// YamlHighlighter: a line-based colouring of YAML (enough for conda files; not a YAML parser).
#include "ui/widgets/YamlHighlighter.h"

#include <QRegularExpression>

namespace mldesk::ui {

YamlHighlighter::YamlHighlighter(QTextDocument *document) : QSyntaxHighlighter(document) {}

void YamlHighlighter::setErrorLine(int line)
{
    if (line == m_errorLine)
        return;
    m_errorLine = line;
    rehighlight();
}

void YamlHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression key(QStringLiteral(R"(^\s*(-\s+)?([A-Za-z0-9_.\-]+)\s*:(\s|$))"));
    static const QRegularExpression dash(QStringLiteral(R"(^\s*-\s)"));
    static const QRegularExpression pin(QStringLiteral(R"((==|>=|<=|=|~=|<|>)[^\s#]*)"));
    static const QRegularExpression quoted(QStringLiteral(R"("[^"]*"|'[^']*')"));

    QTextCharFormat keyFormat;
    keyFormat.setForeground(QColor(0x2f6fd1));
    keyFormat.setFontWeight(QFont::DemiBold);
    QTextCharFormat dashFormat;
    dashFormat.setForeground(QColor(0x8e44ad));
    QTextCharFormat pinFormat;
    pinFormat.setForeground(QColor(0x16a085));
    QTextCharFormat stringFormat;
    stringFormat.setForeground(QColor(0xc0722b));
    QTextCharFormat commentFormat;
    commentFormat.setForeground(QColor(0x7f8c8d));
    commentFormat.setFontItalic(true);

    const qsizetype comment = text.indexOf(u'#');
    const QString code = comment >= 0 ? text.left(comment) : text;
    if (auto m = dash.match(code); m.hasMatch())
        setFormat(int(m.capturedStart()), int(m.capturedLength()), dashFormat);
    if (auto m = key.match(code); m.hasMatch())
        setFormat(int(m.capturedStart(2)), int(m.capturedLength(2)), keyFormat);
    for (auto it = pin.globalMatch(code); it.hasNext();) {
        const auto m = it.next();
        setFormat(int(m.capturedStart()), int(m.capturedLength()), pinFormat);
    }
    for (auto it = quoted.globalMatch(code); it.hasNext();) {
        const auto m = it.next();
        setFormat(int(m.capturedStart()), int(m.capturedLength()), stringFormat);
    }
    if (comment >= 0)
        setFormat(int(comment), int(text.size() - comment), commentFormat);
    if (m_errorLine > 0 && currentBlock().blockNumber() + 1 == m_errorLine) {
        for (int i = 0; i < text.size(); ++i) {
            QTextCharFormat f = format(i);
            f.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            f.setUnderlineColor(QColor(0xc0392b));
            f.setBackground(QColor(192, 57, 43, 40));
            setFormat(i, 1, f);
        }
    }
}

} // namespace mldesk::ui
