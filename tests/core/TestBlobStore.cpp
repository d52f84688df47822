// TestBlobStore: content addressing, streaming round trips, de-duplication and atomicity (a write interrupted
// before the rename leaves no visible blob), plus bad hashes and unreadable sources.
#include "CoreTestSupport.h"

#include "core/store/BlobStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QBuffer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

namespace {

struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("simulated crash before rename") {}
};

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(seed);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(generator.bounded(256));
    return bytes;
}

} // namespace

class TestBlobStore final : public QObject {
    Q_OBJECT

private slots:
    void bytesRoundTrip()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QString hash = store.putBytes("hello");
        QCOMPARE(hash, u"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"_s);
        QCOMPARE(store.pathFor(hash),
                 dir.filePath(u"blobs/sha256/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"_s));
        QVERIFY(store.exists(hash));
        QCOMPARE(store.read(hash), QByteArray("hello"));
        QVERIFY(store.verify(hash));
        QVERIFY(!(QFileInfo(store.pathFor(hash)).permissions() & QFileDevice::WriteOwner)); // immutable
    }

    void emptyContent()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QString hash = store.putBytes(QByteArray());
        QCOMPARE(hash, u"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_s);
        QCOMPARE(store.read(hash), QByteArray());
    }

    void largeFileStreams()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QByteArray content = randomBytes(5 * 1024 * 1024 + 17, 7); // several chunks plus a tail
        const QString source = dir.filePath(u"source.bin"_s);
        QVERIFY(writeAll(source, content));
        const QString hash = store.putFile(source);
        QCOMPARE(hash, QString::fromLatin1(sha256(content).toHex()));
        QCOMPARE(BlobStore::hashFile(source), hash);
        auto file = store.open(hash);
        QCOMPARE(file->size(), content.size());
        QCOMPARE(file->readAll(), content);
    }

    void deviceRoundTrip()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        QByteArray content = randomBytes(300000, 3);
        QBuffer buffer(&content);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        const QString hash = store.putDevice(buffer);
        QCOMPARE(store.read(hash), content);
    }

    void sameContentStoredOnce()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QString a = store.putBytes("same");
        const QString b = store.putBytes("same");
        QCOMPARE(a, b);
        QCOMPARE(listFiles(dir.filePath(u"blobs/sha256"_s)).size(), 1);
        QCOMPARE(listFiles(dir.filePath(u"blobs/tmp"_s)), QStringList()); // no temporary files left behind
        QVERIFY(store.putBytes("other") != a);
        QCOMPARE(listFiles(dir.filePath(u"blobs/sha256"_s)).size(), 2);
    }

    void interruptedWriteLeavesNoBlob()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QByteArray content = randomBytes(2 * 1024 * 1024, 11);
        const QString expected = QString::fromLatin1(sha256(content).toHex());
        QString tempSeen;
        store.setBeforeRenameHook([&](const QString &temp) {
            tempSeen = temp;
            QCOMPARE(QFileInfo(temp).size(), content.size()); // fully written and synced, just not renamed
            throw Interrupted();
        });
        QVERIFY_THROWS_EXCEPTION(Interrupted, store.putBytes(content));
        QVERIFY(!tempSeen.isEmpty());
        QVERIFY(!tempSeen.startsWith(dir.filePath(u"blobs/sha256"_s))); // temp files are never in the visible tree
        QVERIFY(!store.exists(expected));
        QVERIFY(!QFileInfo::exists(store.pathFor(expected)));
        QCOMPARE(listFiles(dir.filePath(u"blobs/sha256"_s)), QStringList());
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.open(expected));

        // The next write of the same content succeeds normally.
        store.setBeforeRenameHook({});
        QCOMPARE(store.putBytes(content), expected);
        QVERIFY(store.verify(expected));
        QCOMPARE(listFiles(dir.filePath(u"blobs/tmp"_s)), QStringList());
    }

    void leftoverTempFileIsInvisible()
    {
        // A process killed mid-write leaves at most a file in blobs/tmp/, never under sha256/.
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        QVERIFY(writeAll(dir.filePath(u"blobs/tmp/incoming-crashed"_s), "partial"));
        QVERIFY(!store.exists(QString::fromLatin1(sha256("partial").toHex())));
        QCOMPARE(listFiles(dir.filePath(u"blobs/sha256"_s)), QStringList());
    }

    void tamperedBlobFailsVerify()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        const QString hash = store.putBytes("original");
        QFile::setPermissions(store.pathFor(hash), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QVERIFY(writeAll(store.pathFor(hash), "changed"));
        QVERIFY(!store.verify(hash));
    }

    void badHashesAndSources()
    {
        QTemporaryDir dir;
        BlobStore store(dir.filePath(u"blobs"_s));
        for (const QString &bad : {u""_s, u"abc"_s, u"../../etc/passwd"_s,
                                   u"2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"_s}) {
            QVERIFY(!BlobStore::isValidHash(bad));
            QVERIFY(!store.exists(bad));
            QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.pathFor(bad));
        }
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.open(QString(64, u'0')));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.putFile(dir.filePath(u"missing.bin"_s)));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.putFile(dir.path())); // a folder
    }
};

QTEST_GUILESS_MAIN(TestBlobStore)
#include "TestBlobStore.moc"
