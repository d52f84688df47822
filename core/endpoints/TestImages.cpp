// TestImages: IDX files (optionally gzip'ed) read from the blob store; see the header.
#include "core/endpoints/TestImages.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <zlib.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QByteArray gunzip(const QByteArray &data, qint64 limit)
{
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return {};
    QByteArray out;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    char buffer[65536];
    int status = Z_OK;
    while (status == Z_OK && out.size() < limit) {
        z.next_out = reinterpret_cast<Bytef *>(buffer);
        z.avail_out = sizeof buffer;
        status = inflate(&z, Z_NO_FLUSH);
        out.append(buffer, qsizetype(sizeof buffer - z.avail_out));
    }
    inflateEnd(&z);
    return out;
}

// The first `bytes` of the file (gunzipped when it is gzip).
QByteArray readStart(Workspace &ws, const DatasetFile &file, qint64 bytes)
{
    const QByteArray raw = ws.blobs().read(file.hash);
    if (raw.startsWith("\x1f\x8b"))
        return gunzip(raw, bytes);
    return raw.left(bytes);
}

quint32 be32(const QByteArray &b, int at)
{
    return quint32(uchar(b[at])) << 24 | quint32(uchar(b[at + 1])) << 16 | quint32(uchar(b[at + 2])) << 8 |
           quint32(uchar(b[at + 3]));
}

} // namespace

QList<TestImage> TestImages::load(Workspace &workspace, const QString &dataset, int count)
{
    DatasetRegistry registry(workspace.database());
    const DatasetVersion version = registry.resolve(dataset);
    std::optional<DatasetFile> images, labels;
    for (const DatasetFile &f : registry.files(version)) {
        const QString name = f.relativePath.section(u'/', -1);
        if (name.startsWith(u"t10k-images-idx3-ubyte"_s))
            images = f;
        else if (name.startsWith(u"t10k-labels-idx1-ubyte"_s))
            labels = f;
    }
    if (!images || !labels)
        throw WorkspaceError(u"dataset %1:%2 has no t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]; "
                             u"register the Fashion-MNIST files (/usr/share/datasets/fashion-mnist)"_s.arg(version.name)
                                 .arg(version.version));
    const QByteArray header = readStart(workspace, *images, 16);
    if (header.size() < 16 || be32(header, 0) != 0x803)
        throw WorkspaceError(u"%1 is not an IDX image file"_s.arg(images->relativePath));
    const int n = int(std::min<quint32>(be32(header, 4), quint32(count)));
    const int rows = int(be32(header, 8));
    const int cols = int(be32(header, 12));
    if (rows <= 0 || cols <= 0 || rows * cols > 4096 * 4096)
        throw WorkspaceError(u"%1 has images of an odd size"_s.arg(images->relativePath));
    const QByteArray pixels = readStart(workspace, *images, 16 + qint64(n) * rows * cols);
    const QByteArray labelBytes = readStart(workspace, *labels, 8 + n);
    if (pixels.size() < 16 + qint64(n) * rows * cols || labelBytes.size() < 8 + n)
        throw WorkspaceError(u"the test files of %1 are shorter than they say"_s.arg(version.name));
    QList<TestImage> result;
    for (int i = 0; i < n; ++i)
        result.append(
            {pixels.mid(16 + qsizetype(i) * rows * cols, rows * cols), rows, cols, int(uchar(labelBytes[8 + i]))});
    return result;
}

QByteArray TestImages::requestFor(const TestImage &image)
{
    QByteArray body = "{\"data\": [[";
    for (qsizetype i = 0; i < image.pixels.size(); ++i) {
        if (i)
            body += ", ";
        body += QByteArray::number(double(uchar(image.pixels[i])) / 255.0, 'g', 17);
    }
    return body + "]]}";
}

} // namespace mldesk::core
