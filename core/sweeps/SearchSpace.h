// SearchSpace: the hyperparameters of a sweep with HyperDrive's distributions (choice, randint, uniform, quniform,
// loguniform, qloguniform, normal, qnormal, lognormal, qlognormal) and the two samplers that need no model: grid
// (every combination of choices) and seeded random (trial i's values depend only on the seed and i).
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace mldesk::core {

struct SweepParameter {
    enum class Type {
        Choice,
        RandInt,
        Uniform,
        QUniform,
        LogUniform,
        QLogUniform,
        Normal,
        QNormal,
        LogNormal,
        QLogNormal
    };
    QString name;
    Type type = Type::Choice;
    QJsonArray values;        // choice
    int upper = 0;            // randint: [0, upper)
    double min = 0, max = 0;  // uniform family; loguniform bounds are natural-log exponents (HyperDrive)
    double mu = 0, sigma = 1; // normal family
    double q = 0;             // the q* types: values are round(x / q) * q

    static QString typeName(Type type); // "loguniform"
    static std::optional<Type> typeFromName(const QString &name);
    static QStringList typeNames();
    bool isChoice() const { return type == Type::Choice; }
    bool isQuantized() const;
    // One sentence naming the problem (min > max, sigma <= 0, q <= 0, no values); empty when fine.
    QString problem() const;
    // A value from u1, u2 uniform in [0, 1) (u2 only for the normal family).
    QJsonValue sample(double u1, double u2) const;

    QJsonObject toJson() const;
    static SweepParameter fromJson(const QJsonObject &object);
};

class SearchSpace final {
public:
    QList<SweepParameter> parameters; // in the order of the definition

    const SweepParameter *find(const QString &name) const;
    QStringList names() const;
    // Grid: the number of combinations, or a message naming the first parameter that is not a choice.
    qint64 gridSize() const;
    QString gridProblem() const;
    // The index-th combination (the first parameter varies slowest). index < gridSize().
    QJsonObject gridPoint(qint64 index) const;
    // Random: the values of trial `index` for `seed` (reproducible; independent of the other trials).
    QJsonObject randomPoint(quint64 seed, qint64 index) const;

    QJsonArray toJson() const;
    static SearchSpace fromJson(const QJsonArray &array);
};

// A value as an argument: integers without a decimal point, other numbers with up to 12 significant digits.
QString formatParameterValue(const QJsonValue &value);

} // namespace mldesk::core
