// Pane: the shared header and empty state of the main window's pages.
#include "ui/panes/Pane.h"

#include "core/workspace/Workspace.h"
#include "ui/Resources.h"

#include <QFrame>
#include <QLabel>
#include <QVBoxLayout>

namespace mldesk::ui {

Pane::Pane(const QString &title, const QString &description, const QString &iconName, QWidget *parent)
    : QWidget(parent), m_title(title), m_icon(ui::icon(iconName))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 18, 24, 18);
    layout->setSpacing(6);

    auto *titleLabel = new QLabel(title, this);
    titleLabel->setObjectName(QStringLiteral("paneTitle"));
    QFont titleFont = titleLabel->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.6);
    titleFont.setWeight(QFont::DemiBold);
    titleLabel->setFont(titleFont);

    auto *descriptionLabel = new QLabel(description, this);
    descriptionLabel->setObjectName(QStringLiteral("paneDescription"));
    descriptionLabel->setWordWrap(true);
    descriptionLabel->setForegroundRole(QPalette::PlaceholderText);

    auto *rule = new QFrame(this);
    rule->setFrameShape(QFrame::HLine);
    rule->setFrameShadow(QFrame::Sunken);

    layout->addWidget(titleLabel);
    layout->addWidget(descriptionLabel);
    layout->addSpacing(6);
    layout->addWidget(rule);

    m_content = new QVBoxLayout;
    m_content->setContentsMargins(0, 6, 0, 0);
    m_emptyState = new EmptyState(m_icon, this);
    m_content->addWidget(m_emptyState, 1);
    layout->addLayout(m_content, 1);
}

void Pane::showCount(core::Workspace *workspace, int count, const QString &emptyText, const QString &singular,
                     const QString &plural, const QString &hint)
{
    if (!workspace) {
        m_emptyState->setText(tr("No workspace open"), tr("Choose a workspace with File > Switch Workspace."));
        return;
    }
    if (count == 0) {
        m_emptyState->setText(emptyText, hint);
        return;
    }
    const QString noun = count == 1 ? singular : plural;
    m_emptyState->setText(tr("%1 %2 in workspace \u201c%3\u201d").arg(count).arg(noun, workspace->name()), hint);
}

EmptyState::EmptyState(const QIcon &icon, QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("emptyState"));
    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);
    layout->addStretch(2);

    m_icon = new QLabel(this);
    m_icon->setAlignment(Qt::AlignCenter);
    m_icon->setPixmap(icon.pixmap(64, 64, QIcon::Disabled));

    m_headline = new QLabel(this);
    m_headline->setObjectName(QStringLiteral("emptyStateHeadline"));
    m_headline->setAlignment(Qt::AlignCenter);
    m_headline->setWordWrap(true);
    QFont font = m_headline->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    m_headline->setFont(font);

    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("emptyStateHint"));
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);

    layout->addWidget(m_icon);
    layout->addWidget(m_headline);
    layout->addWidget(m_hint);
    layout->addStretch(3);
}

void EmptyState::setText(const QString &headline, const QString &hint)
{
    m_headline->setText(headline);
    m_hint->setText(hint);
    m_hint->setVisible(!hint.isEmpty());
}

QString EmptyState::headline() const
{
    return m_headline->text();
}

} // namespace mldesk::ui
