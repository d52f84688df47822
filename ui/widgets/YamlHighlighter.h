// YamlHighlighter: syntax colours for a conda environment file (keys, list dashes, comments, strings, version
// pins) and a marked error line, for the environment views and the create dialog.
#pragma once

#include <QSyntaxHighlighter>

namespace mldesk::ui {

class YamlHighlighter final : public QSyntaxHighlighter {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(YamlHighlighter)

public:
    explicit YamlHighlighter(QTextDocument *document);
    // 1-based line drawn as an error (wavy red underline); 0 for none.
    void setErrorLine(int line);
    int errorLine() const { return m_errorLine; }

protected:
    void highlightBlock(const QString &text) override;

private:
    int m_errorLine = 0;
};

} // namespace mldesk::ui
