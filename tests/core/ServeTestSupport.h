// Helpers for the endpoint tests (header-only): a small model trained by the real mldesk-train on synthetic data,
// scoring requests built from the same kind of images, the h5py + numpy forward pass of the same weights (Debian's
// /usr/bin/python3), and blocking HTTP through core's HttpClient.
#pragma once

#include "RunTestSupport.h"
#include "core/http/HttpClient.h"

#include <QJsonArray>
#include <QProcess>

namespace mldesk::test {

// Trains 1 epoch of a 784-32-16-10 MLP on synthetic IDX data under folder; returns the model folder (model.json +
// model.h5) or an empty string (with the trainer's output in *log).
inline QString trainTinyModel(const QString &folder, QString *log)
{
    writeSyntheticMnist(folder + u"/data"_s);
    QProcess train;
    train.setProgram(qEnvironmentVariable("MLDESK_TRAIN"));
    train.setArguments({u"--data-folder"_s, folder + u"/data"_s, u"--epochs"_s, u"1"_s, u"--device"_s, u"cpu"_s,
                        u"--first-layer-neurons"_s, u"32"_s, u"--second-layer-neurons"_s, u"16"_s, u"--threads"_s,
                        u"1"_s, u"--seed"_s, u"3"_s, u"--outputs"_s, folder + u"/outputs"_s});
    train.setProcessChannelMode(QProcess::MergedChannels);
    train.start();
    const bool done = train.waitForFinished(240000);
    *log = QString::fromUtf8(train.readAll());
    const QString model = folder + u"/outputs/model"_s;
    return done && train.exitCode() == 0 && QFile::exists(model + u"/model.h5"_s) ? model : QString();
}

// rows synthetic images (the class lights a band of rows) as {"data": [[784 floats in [0, 1]], ...]}, each value
// with `digits` significant digits.
inline QByteArray scoreRequest(int rows, quint32 seed = 11, int digits = 17)
{
    QRandomGenerator rng(seed);
    QByteArray body = "{\"data\": [";
    for (int i = 0; i < rows; ++i) {
        const int label = int(rng.bounded(10));
        body += i ? ", [" : "[";
        for (int p = 0; p < 784; ++p) {
            const int value = (p / 28) / 3 == label ? 200 : int(rng.bounded(30));
            if (p)
                body += ", ";
            body += QByteArray::number(double(value) / 255.0, 'g', digits); // 17: as json.dumps(x / 255.0) writes them
        }
        body += ']';
    }
    return body + "]}";
}

// The seed's score.py run(): np.argmax(model.predict(data), axis=1), with the forward pass in numpy on the weights
// h5py reads from model.h5. Returns the predictions and, in *probabilities, the softmax rows.
inline QJsonArray numpyPredictions(const QString &modelFolder, const QString &requestFile, QJsonArray *probabilities,
                                   QString *error)
{
    const QString script = uR"(import json, sys, h5py, numpy as np
model = json.load(open(sys.argv[1] + '/model.json'))
layers = [l['config'] for l in model['config']['layers'] if l['class_name'] == 'Dense']
x = np.array(json.load(open(sys.argv[2]))['data'], dtype=np.float32)
with h5py.File(sys.argv[1] + '/model.h5', 'r') as f:
    for l in layers:
        g = f[l['name']]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs['weight_names']]
        w = {n.split('/')[-1].split(':')[0]: np.array(g[n]) for n in names}
        x = x @ w['kernel'] + w.get('bias', 0)
        if l['activation'] == 'relu':
            x = np.maximum(x, 0)
        elif l['activation'] == 'softmax':
            e = np.exp(x - x.max(axis=1, keepdims=True))
            x = e / e.sum(axis=1, keepdims=True)
print(json.dumps({'predictions': np.argmax(x, axis=1).tolist(), 'probabilities': x.tolist()}))
)"_s;
    QProcess python;
    python.start(u"/usr/bin/python3"_s, {u"-c"_s, script, modelFolder, requestFile});
    python.waitForFinished(120000);
    const QJsonObject out = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    if (out.isEmpty())
        *error = QString::fromUtf8(python.readAllStandardError());
    if (probabilities)
        *probabilities = out.value(u"probabilities"_s).toArray();
    return out.value(u"predictions"_s).toArray();
}

inline core::HttpResponse httpSend(const QByteArray &method, const QString &url, const QByteArray &body = {},
                                   const QByteArray &key = {})
{
    core::HttpRequest request;
    request.method = method;
    request.url = QUrl(url);
    request.body = body;
    if (!body.isEmpty())
        request.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    if (!key.isEmpty())
        request.headers.append(qMakePair(QByteArray("Authorization"), key.contains(' ') ? key : "Bearer " + key));
    core::HttpOptions options;
    options.maxRetries = 0;
    options.connectTimeoutMs = 30000;
    options.idleTimeoutMs = 60000;
    return core::HttpClient::create()->send(request, options);
}

inline QString errorOf(const core::HttpResponse &r)
{
    return QJsonDocument::fromJson(r.body).object().value(u"error"_s).toString();
}

} // namespace mldesk::test
