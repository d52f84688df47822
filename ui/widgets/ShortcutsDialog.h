// ShortcutsDialog: Help > Keyboard Shortcuts - every action of a menu bar with its shortcut, read from the menus
// themselves, so the list cannot drift from what the keys do.
#pragma once

#include <QDialog>

class QMenuBar;
class QTableWidget;

namespace mldesk::ui {

class ShortcutsDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ShortcutsDialog)

public:
    explicit ShortcutsDialog(const QMenuBar *menus, QWidget *parent = nullptr);

    // "Run > Submit Run…" -> "Ctrl+R", for every action with a text in the menus (submenus included).
    static QList<QPair<QString, QString>> shortcuts(const QMenuBar *menus);
    // What Qt draws for a text with mnemonics: "&Name" -> "Name", "A && B" -> "A & B".
    static QString withoutMnemonics(QString text);

private:
    QTableWidget *m_table = nullptr;
};

} // namespace mldesk::ui
