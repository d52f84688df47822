// ActivityList: the status bar's list of running background jobs (dataset registrations, downloads, runs being
// watched). Panes report start/progress/finish; the button shows how many run and opens the list, each with its
// progress and a Cancel entry when the job can be canceled.
#pragma once

#include <QMap>
#include <QString>
#include <QToolButton>

#include <functional>

class QMenu;

namespace mldesk::ui {

class ActivityList final : public QToolButton {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ActivityList)

public:
    explicit ActivityList(QWidget *parent = nullptr);

    // Returns the job's id; cancel (optional) is offered in the list.
    int start(const QString &title, std::function<void()> cancel = {});
    void update(int id, const QString &detail);
    void finish(int id);

    int count() const { return int(m_jobs.size()); }
    QStringList titles() const; // "title - detail", in start order

private:
    struct Job {
        QString title;
        QString detail;
        std::function<void()> cancel;
    };
    void refresh();

    QMap<int, Job> m_jobs;
    int m_nextId = 1;
    QMenu *m_menu = nullptr;
};

} // namespace mldesk::ui
