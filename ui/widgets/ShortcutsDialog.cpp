// ShortcutsDialog: the table of menu actions and their keys, built from the menu bar on open.
#include "ui/widgets/ShortcutsDialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {

void collect(const QList<QAction *> &actions, const QString &path, QList<QPair<QString, QString>> &out)
{
    for (const QAction *action : actions) {
        if (action->isSeparator() || action->text().isEmpty())
            continue;
        const QString name = path.isEmpty() ? ShortcutsDialog::withoutMnemonics(action->text())
                                            : path + u" > " + ShortcutsDialog::withoutMnemonics(action->text());
        if (const QMenu *menu = action->menu()) {
            collect(menu->actions(), name, out);
            continue;
        }
        QStringList keys;
        for (const QKeySequence &key : action->shortcuts())
            keys.append(key.toString(QKeySequence::NativeText));
        out.append({name, keys.join(QStringLiteral(", "))});
    }
}

} // namespace

QString ShortcutsDialog::withoutMnemonics(QString text)
{
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(u'&');
    return text.replace(u'\x01', u'&');
}

QList<QPair<QString, QString>> ShortcutsDialog::shortcuts(const QMenuBar *menus)
{
    QList<QPair<QString, QString>> out;
    collect(menus->actions(), QString(), out);
    return out;
}

ShortcutsDialog::ShortcutsDialog(const QMenuBar *menus, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard Shortcuts"));
    resize(520, 480);
    const QList<QPair<QString, QString>> list = shortcuts(menus);
    m_table = new QTableWidget(int(list.size()), 2);
    m_table->setObjectName(QStringLiteral("shortcutsTable"));
    m_table->setHorizontalHeaderLabels({tr("Action"), tr("Shortcut")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    for (int row = 0; row < list.size(); ++row) {
        m_table->setItem(row, 0, new QTableWidgetItem(list[row].first));
        m_table->setItem(row, 1, new QTableWidgetItem(list[row].second));
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->button(QDialogButtonBox::Close)->setObjectName(QStringLiteral("closeButton"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(buttons);
}

} // namespace mldesk::ui
