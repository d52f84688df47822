// Pane: one page of the main window (Datasets, Environments, ...): a header with title and description, and the
// pane's content. Each pane takes the current workspace; later issues replace the empty state with real views.
#pragma once

#include <QIcon>
#include <QString>
#include <QWidget>

class QLabel;
class QVBoxLayout;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class ActivityList;
class EmptyState;

class Pane : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Pane)

public:
    // iconName names :/icons/<iconName>.svg.
    Pane(const QString &title, const QString &description, const QString &iconName, QWidget *parent = nullptr);

    QString title() const { return m_title; }
    QIcon icon() const { return m_icon; }

    // The workspace whose content the pane shows; nullptr when none is open. Not owned: the main window keeps it
    // alive until it has given the pane the next one.
    virtual void setWorkspace(core::Workspace *workspace) = 0;
    // Where the pane reports its background jobs (the status bar's list); may stay null (tests).
    void setActivityList(ActivityList *activities) { m_activities = activities; }
    ActivityList *activityList() const { return m_activities; }
    // Edit > Find (Ctrl+F) when the focus is not in a widget with its own find: focus the pane's filter.
    virtual void focusFind() {}
    // What Edit > Delete (Del) deletes here: "NAME:VERSION" of the selected version; empty when nothing is.
    virtual QString selectedForDeletion() const { return {}; }

protected:
    // Below the header; panes add their views here.
    QVBoxLayout *contentLayout() const { return m_content; }
    // The centred "nothing here yet" block inside the content area.
    EmptyState *emptyState() const { return m_emptyState; }
    // Shows the empty state when count is 0 (emptyText), else "<count> <noun>" from the singular/plural given.
    void showCount(core::Workspace *workspace, int count, const QString &emptyText, const QString &singular,
                   const QString &plural, const QString &hint);

private:
    QString m_title;
    QIcon m_icon;
    QVBoxLayout *m_content = nullptr;
    EmptyState *m_emptyState = nullptr;
    ActivityList *m_activities = nullptr;
};

// A centred icon, a headline and a hint: what an empty pane shows.
class EmptyState final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmptyState)

public:
    explicit EmptyState(const QIcon &icon, QWidget *parent = nullptr);
    void setText(const QString &headline, const QString &hint);
    QString headline() const;

private:
    QLabel *m_icon = nullptr;
    QLabel *m_headline = nullptr;
    QLabel *m_hint = nullptr;
};

} // namespace mldesk::ui
