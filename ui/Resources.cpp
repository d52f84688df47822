// Resources: registers mldesk.qrc explicitly, because mldesk_ui is a static library and the linker would drop an
// unreferenced resource initialiser.
#include "ui/Resources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE declares qInitResources_mldesk() where it is used: it must be a global-namespace function.
static void mldeskRegisterQrc()
{
    Q_INIT_RESOURCE(mldesk);
}

namespace mldesk::ui {

void initResources()
{
    static const bool registered = [] {
        mldeskRegisterQrc();
        return true;
    }();
    Q_UNUSED(registered);
}

QIcon icon(const QString &name)
{
    initResources();
    return QIcon(QStringLiteral(":/icons/") + name + QStringLiteral(".svg"));
}

} // namespace mldesk::ui
