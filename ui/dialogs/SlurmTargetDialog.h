// SlurmTargetDialog: a new Slurm compute target - slurmrestd URL, API version, user, partition, nodes, GPUs, time
// limit, shared folder - validated per field (each problem under its field), and the JWT either typed into a
// password field (stored in the system keychain, never in the workspace) or named as an environment variable.
#pragma once

#include <QDialog>
#include <QHash>

#include <functional>

class QFormLayout;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QPushButton;

namespace mldesk::core {
class Workspace;
struct SlurmTargetConfig;
} // namespace mldesk::core

namespace mldesk::ui {

class SlurmTargetDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlurmTargetDialog)

public:
    // Test seam: stores token under key and calls done(error) once (default: core ComputeTokenStore, keychain).
    using TokenSaver = std::function<void(const QString &key, const QString &token, QObject *context,
                                          std::function<void(const QString &error)> done)>;

    SlurmTargetDialog(core::Workspace &workspace, QWidget *parent = nullptr);
    void setTokenSaver(TokenSaver saver) { m_saveToken = std::move(saver); }

    // The inline message under field ("url", "nodes_min", ..., "name", "token"); empty when none.
    QString fieldError(const QString &field) const;
    QString errorText() const;

signals:
    void created(const QString &name);

private:
    void save();
    core::SlurmTargetConfig config() const;
    bool showProblems(const QStringList &problems); // true when there were any
    void addRow(QFormLayout *form, const QString &label, QWidget *field, const QStringList &keys);
    void commit();
    void showError(const QString &message);

    core::Workspace &m_workspace;
    TokenSaver m_saveToken;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_url = nullptr;
    QLineEdit *m_apiVersion = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_partition = nullptr;
    QSpinBox *m_nodesMin = nullptr;
    QSpinBox *m_nodesMax = nullptr;
    QSpinBox *m_gpus = nullptr;
    QLineEdit *m_timeLimit = nullptr;
    QLineEdit *m_sharedLocal = nullptr;
    QLineEdit *m_sharedCluster = nullptr;
    QRadioButton *m_useKeychain = nullptr;
    QRadioButton *m_useEnv = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_tokenEnv = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_create = nullptr;
    QHash<QString, QLabel *> m_fieldErrors; // validate()'s field key -> its label
};

} // namespace mldesk::ui
