// CondaSpec: parse a conda environment YAML with yaml-cpp; see the header.
#include "core/environments/CondaSpec.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

namespace mldesk::core {

namespace {

int lineOf(const YAML::Node &node)
{
    return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

// The line of key in map (a null value's own mark points past it).
int keyLine(const YAML::Node &map, const char *key)
{
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key)
            return lineOf(it->first);
    }
    return 1;
}

QString text(const YAML::Node &node)
{
    return QString::fromStdString(node.as<std::string>()).trimmed();
}

QStringList stringList(const YAML::Node &node, const QString &what)
{
    if (!node.IsSequence())
        throw CondaSpecError(lineOf(node), QStringLiteral("'%1' must be a list (lines starting with '- ')").arg(what));
    QStringList out;
    for (const YAML::Node &item : node) {
        if (!item.IsScalar())
            throw CondaSpecError(lineOf(item), QStringLiteral("each entry of '%1' must be a plain string").arg(what));
        out.append(text(item));
    }
    return out;
}

QJsonArray toArray(const QStringList &list)
{
    QJsonArray out;
    for (const QString &s : list)
        out.append(s);
    return out;
}

QStringList fromArray(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}

} // namespace

CondaSpecError::CondaSpecError(int line, const QString &message)
    : std::runtime_error((line > 0 ? QStringLiteral("line %1: %2").arg(line).arg(message) : message).toStdString()),
      m_line(line)
{
}

CondaSpec CondaSpec::parse(const QString &yamlText)
{
    YAML::Node root;
    try {
        root = YAML::Load(yamlText.toStdString());
    } catch (const YAML::Exception &e) {
        throw CondaSpecError(e.mark.is_null() ? 0 : e.mark.line + 1,
                             QStringLiteral("not valid YAML (%1); check the indentation and the ':' after each key")
                                 .arg(QString::fromStdString(e.msg)));
    }
    if (!root.IsMap())
        throw CondaSpecError(root.IsDefined() && !root.IsNull() ? lineOf(root) : 1,
                             QStringLiteral("a conda environment file is a mapping with 'name', 'channels' and "
                                            "'dependencies'"));
    CondaSpec spec;
    try {
        if (const YAML::Node name = root["name"]; name && !name.IsNull()) {
            if (!name.IsScalar())
                throw CondaSpecError(lineOf(name), QStringLiteral("'name' must be a plain string"));
            spec.name = text(name);
        }
        if (const YAML::Node channels = root["channels"]; channels && !channels.IsNull())
            spec.channels = stringList(channels, QStringLiteral("channels"));
        const YAML::Node deps = root["dependencies"];
        if (!deps || deps.IsNull())
            throw CondaSpecError(keyLine(root, "dependencies"),
                                 QStringLiteral("missing 'dependencies': add a 'dependencies:' list of packages "
                                                "(e.g. '- python=3.10') with an optional '- pip:' list"));
        if (!deps.IsSequence())
            throw CondaSpecError(lineOf(deps),
                                 QStringLiteral("'dependencies' must be a list (lines starting with '- ')"));
        static const QRegularExpression pythonPin(QStringLiteral("^python\\s*(?:[=<>!~]=?)+\\s*([0-9][0-9A-Za-z.*]*)"));
        bool sawPip = false;
        for (const YAML::Node &item : deps) {
            if (item.IsScalar()) {
                const QString package = text(item);
                spec.condaPackages.append(package);
                if (auto m = pythonPin.match(package); m.hasMatch())
                    spec.pythonVersion = m.captured(1);
                continue;
            }
            if (item.IsMap() && item.size() == 1 && item["pip"]) {
                const YAML::Node pip = item["pip"];
                if (!pip.IsSequence())
                    throw CondaSpecError(lineOf(pip) > 0 ? lineOf(pip) : lineOf(item),
                                         QStringLiteral("'pip' must be a list of packages, one per line starting "
                                                        "with '- ' under '- pip:'"));
                if (sawPip)
                    throw CondaSpecError(lineOf(item), QStringLiteral("'pip' appears twice in 'dependencies'"));
                sawPip = true;
                spec.pipPackages = stringList(pip, QStringLiteral("pip"));
                continue;
            }
            throw CondaSpecError(lineOf(item), QStringLiteral("each dependency must be a package string "
                                                              "(\"numpy=1.26\") or a 'pip:' list"));
        }
    } catch (const YAML::Exception &e) {
        throw CondaSpecError(e.mark.is_null() ? 0 : e.mark.line + 1, QString::fromStdString(e.msg));
    }
    return spec;
}

QJsonObject CondaSpec::toJson() const
{
    return QJsonObject{{QStringLiteral("name"), name},
                       {QStringLiteral("channels"), toArray(channels)},
                       {QStringLiteral("python_version"), pythonVersion},
                       {QStringLiteral("conda_packages"), toArray(condaPackages)},
                       {QStringLiteral("pip_packages"), toArray(pipPackages)}};
}

CondaSpec CondaSpec::fromJson(const QJsonObject &o)
{
    CondaSpec spec;
    spec.name = o.value(QStringLiteral("name")).toString();
    spec.channels = fromArray(o.value(QStringLiteral("channels")));
    spec.pythonVersion = o.value(QStringLiteral("python_version")).toString();
    spec.condaPackages = fromArray(o.value(QStringLiteral("conda_packages")));
    spec.pipPackages = fromArray(o.value(QStringLiteral("pip_packages")));
    return spec;
}

} // namespace mldesk::core
