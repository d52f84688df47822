// DatasetReference: parsing of "{dataset:...}" placeholders; see the header.
#include "core/datasets/DatasetReference.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/workspace/WorkspaceError.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QRegularExpression &placeholder()
{
    static const QRegularExpression re(u"\\{dataset:([^{}]*)\\}"_s);
    return re;
}

} // namespace

DatasetReference DatasetReference::parse(const QString &input)
{
    QString text = input.trimmed();
    if (text.startsWith(u'{') && text.endsWith(u'}'))
        text = text.mid(1, text.size() - 2);
    const QString usage = u" (expected {dataset:NAME[:VERSION][:mount|download]})"_s;
    if (!text.startsWith(u"dataset:"_s))
        throw WorkspaceError(u"'%1' is not a dataset reference"_s.arg(input) + usage);
    const QStringList parts = text.mid(8).split(u':');
    DatasetReference ref;
    ref.name = parts.value(0);
    if (!DatasetRegistry::isValidName(ref.name))
        throw WorkspaceError(u"'%1' names no valid dataset"_s.arg(input) + usage);
    if (parts.size() > 3)
        throw WorkspaceError(u"'%1' has too many parts"_s.arg(input) + usage);
    for (int i = 1; i < parts.size(); ++i) {
        const QString &part = parts[i];
        bool isNumber = false;
        const int v = part.toInt(&isNumber);
        if (part == u"mount"_s || part == u"download"_s) {
            if (i != parts.size() - 1)
                throw WorkspaceError(u"'%1': the mode comes last"_s.arg(input) + usage);
            ref.mode = part == u"mount"_s ? Mode::Mount : Mode::Download;
        } else if (i == 1 && (part == u"latest"_s || (isNumber && v > 0))) {
            ref.version = isNumber ? v : 0;
        } else {
            throw WorkspaceError(u"'%1': '%2' is neither a version (1, 2, ... or latest) nor a mode (mount, "
                                 u"download)"_s.arg(input, part) +
                                 usage);
        }
    }
    return ref;
}

QList<DatasetReference> DatasetReference::findAll(const QString &argument)
{
    QList<DatasetReference> out;
    auto it = placeholder().globalMatch(argument);
    while (it.hasNext())
        out.append(parse(it.next().captured(0)));
    return out;
}

QString DatasetReference::substitute(const QString &argument,
                                     const std::function<QString(const DatasetReference &)> &replacement)
{
    QString out;
    qsizetype last = 0;
    auto it = placeholder().globalMatch(argument);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out += argument.mid(last, m.capturedStart() - last);
        out += replacement(parse(m.captured(0)));
        last = m.capturedEnd();
    }
    out += argument.mid(last);
    return out;
}

QString DatasetReference::toString() const
{
    QString s = u"{dataset:"_s + name;
    if (version > 0)
        s += u':' + QString::number(version);
    return s + u':' + modeName(mode) + u'}';
}

} // namespace mldesk::core
