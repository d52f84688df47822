// AzureMlShim: scan a snapshot for azureml imports; see the header.
#include "core/environments/AzureMlShim.h"

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace mldesk::core {

bool AzureMlShim::importsAzureMl(const QString &folder)
{
    static const QRegularExpression import(u"^\\s*(?:import\\s+azureml\\b|from\\s+azureml(?:\\.\\w+)*\\s+import\\b)"_s,
                                           QRegularExpression::MultilineOption);
    QDirIterator it(folder, {u"*.py"_s}, QDir::Files, QDirIterator::Subdirectories);
    for (int count = 0; it.hasNext() && count < 2000; ++count) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly) && import.match(QString::fromUtf8(file.read(1 << 20))).hasMatch())
            return true;
    }
    return false;
}

} // namespace mldesk::core
