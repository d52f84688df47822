// Helpers shared by the model registry tests (header-only): a workspace in a temporary folder, a Keras-looking
// model folder, and runs/datasets/environments inserted straight into workspace.db the way core/runs stores them.
#pragma once

#include "CoreTestSupport.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTemporaryDir>

#include <memory>

namespace mldesk::test {

// What mldesk-train writes: a Keras Sequential description and (here) bytes standing in for the HDF5 weights.
inline QByteArray kerasModelJson()
{
    return QByteArrayLiteral("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"layers\": "
                             "[{\"class_name\": \"Dense\", \"config\": {\"units\": 10}}]}, \"keras_version\": "
                             "\"2.2.4\", \"backend\": \"tensorflow\"}");
}

inline QByteArray fakeWeights(int size, int seed)
{
    QByteArray out("\x89HDF\r\n\x1a\n", 8);
    quint32 x = quint32(seed) * 2654435761u + 1;
    while (out.size() < size) {
        x = x * 1664525u + 1013904223u;
        out.append(char(x >> 24));
    }
    return out;
}

// A folder holding model.json + model.h5.
inline QString writeModelFolder(const QString &folder, int weightsSize = 4096, int seed = 1)
{
    QDir().mkpath(folder);
    writeAll(folder + QStringLiteral("/model.json"), kerasModelJson());
    writeAll(folder + QStringLiteral("/model.h5"), fakeWeights(weightsSize, seed));
    return folder;
}

struct TestWorkspace {
    QTemporaryDir dir;
    std::unique_ptr<core::Workspace> ws;

    TestWorkspace() { ws = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("test")); }
    core::Database &db() { return ws->database(); }
    core::BlobStore &blobs() { return ws->blobs(); }

    qint64 experiment(const QString &name)
    {
        const QVariant id = db().scalar(QStringLiteral("SELECT id FROM experiments WHERE name = ?"), {name});
        if (id.isValid())
            return id.toLongLong();
        return db().insert(QStringLiteral("INSERT INTO experiments (name, created_at) VALUES (?, ?)"),
                           {name, QDateTime::currentMSecsSinceEpoch()});
    }

    qint64 computeTarget(const QString &name)
    {
        return db().insert(
            QStringLiteral("INSERT INTO compute_targets (name, kind, created_at) VALUES (?, 'local', ?)"),
            {name, QDateTime::currentMSecsSinceEpoch()});
    }

    qint64 environmentVersion(const QString &name, int version)
    {
        const qint64 env = db().insert(QStringLiteral("INSERT INTO environments (name, created_at) VALUES (?, ?)"),
                                       {name, QDateTime::currentMSecsSinceEpoch()});
        return db().insert(QStringLiteral("INSERT INTO environment_versions (environment_id, version, kind, "
                                          "created_at) VALUES (?, ?, 'native', ?)"),
                           {env, version, QDateTime::currentMSecsSinceEpoch()});
    }

    qint64 datasetVersion(const QString &name, int version)
    {
        QVariant ds = db().scalar(QStringLiteral("SELECT id FROM datasets WHERE name = ?"), {name});
        if (!ds.isValid())
            ds = db().insert(QStringLiteral("INSERT INTO datasets (name, created_at) VALUES (?, ?)"),
                             {name, QDateTime::currentMSecsSinceEpoch()});
        return db().insert(QStringLiteral("INSERT INTO dataset_versions (dataset_id, version, manifest_hash, "
                                          "created_at) VALUES (?, ?, 'x', ?)"),
                           {ds, version, QDateTime::currentMSecsSinceEpoch()});
    }

    struct Run {
        QString uid;
        QString state = QStringLiteral("Completed");
        QString failureReason;
        QMap<QString, QByteArray> outputs; // run path -> content
        QMap<QString, QList<double>> metrics;
        QList<qint64> datasetVersions;
        qint64 environmentVersion = 0;
        qint64 computeTarget = 0;
    };

    // A run row as core/runs leaves it once finalized: state, reason, outputs manifest, inputs, metrics.
    qint64 run(const Run &r)
    {
        QJsonArray manifest;
        for (auto it = r.outputs.begin(); it != r.outputs.end(); ++it) {
            const QString hash = blobs().putBytes(it.value());
            manifest.append(QJsonObject{{QStringLiteral("path"), it.key()},
                                        {QStringLiteral("hash"), hash},
                                        {QStringLiteral("size"), double(it.value().size())}});
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 id =
            db().insert(QStringLiteral("INSERT INTO runs (run_uid, experiment_id, state, created_at, failure_reason, "
                                       "compute_target_id, environment_version_id, outputs_manifest_json) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                        {r.uid, experiment(QStringLiteral("keras-mnist")), r.state, now,
                         r.failureReason.isEmpty() ? QVariant() : QVariant(r.failureReason),
                         r.computeTarget ? QVariant(r.computeTarget) : QVariant(),
                         r.environmentVersion ? QVariant(r.environmentVersion) : QVariant(),
                         QString::fromUtf8(QJsonDocument(manifest).toJson(QJsonDocument::Compact))});
        for (qint64 dv : r.datasetVersions)
            db().exec(QStringLiteral("INSERT INTO run_dataset_inputs (run_id, dataset_version_id) VALUES (?, ?)"),
                      {id, dv});
        QList<core::MetricColumns> series;
        for (auto it = r.metrics.begin(); it != r.metrics.end(); ++it) {
            core::MetricColumns s{it.key(), {}, {}, {}, {}, 0};
            for (int step = 0; step < it.value().size(); ++step) {
                s.steps.append(step);
                s.values.append(it.value()[step]);
                s.times.append(now);
            }
            series.append(s);
        }
        db().writeTransaction([&] { core::MetricChunks::append(db(), id, series); });
        return id;
    }

    // A completed run with outputs/model/{model.json,model.h5}, a log and Loss/Accuracy series.
    Run kerasRun(const QString &uid, int seed = 1)
    {
        Run r;
        r.uid = uid;
        r.outputs.insert(QStringLiteral("outputs/model/model.json"), kerasModelJson());
        r.outputs.insert(QStringLiteral("outputs/model/model.h5"), fakeWeights(5000, seed));
        r.outputs.insert(QStringLiteral("outputs/notes.txt"), QByteArrayLiteral("notes"));
        r.outputs.insert(QStringLiteral("logs/std_log.txt"), QByteArrayLiteral("Epoch 1/20\n"));
        r.metrics.insert(QStringLiteral("Loss"), {0.9, 0.5, 0.31});
        r.metrics.insert(QStringLiteral("Accuracy"), {0.7, 0.85, 0.8812});
        return r;
    }
};

} // namespace mldesk::test
