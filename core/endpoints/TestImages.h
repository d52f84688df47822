// TestImages: the first images and labels of a registered dataset's test split (t10k-images-idx3-ubyte[.gz] and
// t10k-labels-idx1-ubyte[.gz], as Fashion-MNIST ships), for the Endpoints pane's Test tab, and the scoring request
// for them ({"data": [[pixel / 255, ...]]}, as the seed builds it).
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace mldesk::core {

class Workspace;

struct TestImage {
    QByteArray pixels; // rows * cols bytes, row-major
    int rows = 28;
    int cols = 28;
    int label = -1;
};

class TestImages final {
public:
    // Throws WorkspaceError naming what is missing (no such dataset, no t10k files, not IDX).
    static QList<TestImage> load(Workspace &workspace, const QString &dataset, int count);
    static QByteArray requestFor(const TestImage &image);
};

} // namespace mldesk::core
