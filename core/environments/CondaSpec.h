// CondaSpec: a conda environment file (name, channels, dependencies with a nested pip: list) parsed with yaml-cpp
// into a plain view. Errors name the line (1-based) and say what to fix.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <stdexcept>

namespace mldesk::core {

class CondaSpecError : public std::runtime_error {
public:
    CondaSpecError(int line, const QString &message);
    int line() const { return m_line; } // 1-based; 0 when unknown
    QString message() const { return QString::fromUtf8(what()); }

private:
    int m_line;
};

struct CondaSpec {
    QString name;
    QStringList channels;
    QString pythonVersion;     // from "python=3.6.2" / "python==3.8" / "python>=3.9"; empty when not pinned
    QStringList condaPackages; // as written, python included
    QStringList pipPackages;   // as written

    // Throws CondaSpecError. The message starts with "line N: ".
    static CondaSpec parse(const QString &yamlText);
    QJsonObject toJson() const;
    static CondaSpec fromJson(const QJsonObject &object);
};

} // namespace mldesk::core
