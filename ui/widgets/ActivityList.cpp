// ActivityList: the running-jobs button of the status bar and its menu.
#include "ui/widgets/ActivityList.h"

#include <QMenu>

namespace mldesk::ui {

ActivityList::ActivityList(QWidget *parent) : QToolButton(parent)
{
    setObjectName(QStringLiteral("activityList"));
    setAutoRaise(true);
    setPopupMode(QToolButton::InstantPopup);
    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("activityMenu"));
    setMenu(m_menu);
    refresh();
}

int ActivityList::start(const QString &title, std::function<void()> cancel)
{
    const int id = m_nextId++;
    m_jobs.insert(id, Job{title, {}, std::move(cancel)});
    refresh();
    return id;
}

void ActivityList::update(int id, const QString &detail)
{
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return;
    it->detail = detail;
    refresh();
}

void ActivityList::finish(int id)
{
    if (m_jobs.remove(id))
        refresh();
}

QStringList ActivityList::titles() const
{
    QStringList list;
    for (const Job &job : m_jobs)
        list.append(job.detail.isEmpty() ? job.title : job.title + QStringLiteral(" \u2014 ") + job.detail);
    return list;
}

void ActivityList::refresh()
{
    setVisible(!m_jobs.isEmpty());
    setText(m_jobs.size() == 1 ? tr("1 job running") : tr("%1 jobs running").arg(m_jobs.size()));
    setToolTip(titles().join(u'\n'));
    m_menu->clear();
    for (auto it = m_jobs.cbegin(); it != m_jobs.cend(); ++it) {
        const QString text = it->detail.isEmpty() ? it->title : it->title + QStringLiteral(" \u2014 ") + it->detail;
        if (it->cancel) {
            QMenu *sub = m_menu->addMenu(text);
            auto cancel = it->cancel;
            sub->addAction(tr("Cancel"), this, [cancel] { cancel(); });
        } else {
            m_menu->addAction(text)->setEnabled(false);
        }
    }
}

} // namespace mldesk::ui
