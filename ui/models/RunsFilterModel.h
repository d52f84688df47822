// RunsFilterModel: the Runs table's filter - experiment, state, tag and free text (any column) - and sorting by
// the model's raw values.
#pragma once

#include <QSortFilterProxyModel>

#include <optional>

namespace mldesk::ui {

class RunsFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsFilterModel)

public:
    explicit RunsFilterModel(QObject *parent = nullptr);
    void setExperiment(const QString &experiment); // empty: all
    void setState(std::optional<int> state);       // core::RunState as int; nullopt: all
    void setTag(const QString &tag);               // "key" or "key=value"; empty: all
    void setText(const QString &text);             // free text over every column; empty: all

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_experiment;
    std::optional<int> m_state;
    QString m_tag;
    QString m_text;
};

} // namespace mldesk::ui
