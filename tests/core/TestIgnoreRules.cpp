// TestIgnoreRules: the gitignore syntax of .mldeskignore (data-driven) and the snapshot that applies it.
#include "RunTestSupport.h"

#include "core/runs/IgnoreRules.h"
#include "core/runs/RunFiles.h"
#include "core/workspace/WorkspaceError.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestIgnoreRules final : public QObject {
    Q_OBJECT

private slots:
    void matches_data()
    {
        QTest::addColumn<QStringList>("rules");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("isDir");
        QTest::addColumn<bool>("ignored");
        QTest::newRow("extension anywhere") << QStringList{u"*.bin"_s} << u"a/b/c.bin"_s << false << true;
        QTest::newRow("other extension") << QStringList{u"*.bin"_s} << u"a/c.txt"_s << false << false;
        QTest::newRow("comment") << QStringList{u"# *.txt"_s} << u"c.txt"_s << false << false;
        QTest::newRow("folder only") << QStringList{u"data/"_s} << u"data"_s << true << true;
        QTest::newRow("folder rule vs file") << QStringList{u"data/"_s} << u"data"_s << false << false;
        QTest::newRow("anchored") << QStringList{u"/top.txt"_s} << u"sub/top.txt"_s << false << false;
        QTest::newRow("anchored hit") << QStringList{u"/top.txt"_s} << u"top.txt"_s << false << true;
        QTest::newRow("with slash is anchored") << QStringList{u"a/*.py"_s} << u"a/x.py"_s << false << true;
        QTest::newRow("with slash not deeper") << QStringList{u"a/*.py"_s} << u"b/a/x.py"_s << false << false;
        QTest::newRow("double star") << QStringList{u"**/cache"_s} << u"x/y/cache"_s << true << true;
        QTest::newRow("middle double star") << QStringList{u"a/**/z.txt"_s} << u"a/b/c/z.txt"_s << false << true;
        QTest::newRow("middle double star zero") << QStringList{u"a/**/z.txt"_s} << u"a/z.txt"_s << false << true;
        QTest::newRow("negation") << QStringList{u"*.log"_s, u"!keep.log"_s} << u"keep.log"_s << false << false;
        QTest::newRow("negation other") << QStringList{u"*.log"_s, u"!keep.log"_s} << u"x.log"_s << false << true;
        QTest::newRow("question mark") << QStringList{u"f?.txt"_s} << u"f1.txt"_s << false << true;
        QTest::newRow("class") << QStringList{u"f[0-9].txt"_s} << u"fa.txt"_s << false << false;
    }

    void matches()
    {
        QFETCH(QStringList, rules);
        QFETCH(QString, path);
        QFETCH(bool, isDir);
        QFETCH(bool, ignored);
        QCOMPARE(IgnoreRules(rules).isIgnored(path, isDir), ignored);
    }

    void snapshotAppliesRules()
    {
        QTemporaryDir dir;
        const QString src = dir.filePath(u"src"_s);
        writeText(src + u"/train.py"_s, u"print(1)"_s);
        writeText(src + u"/data/big.npy"_s, u"x"_s);
        writeText(src + u"/.git/HEAD"_s, u"ref"_s);
        writeText(src + u"/notes/keep.md"_s, u"k"_s);
        writeText(src + u"/.mldeskignore"_s, u"data/\n"_s);
        QStringList taken;
        for (const RunFiles::SourceFile &f : RunFiles::collectSnapshot(src, 0))
            taken.append(f.relativePath);
        QCOMPARE(taken, (QStringList{u".mldeskignore"_s, u"notes/keep.md"_s, u"train.py"_s}));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, RunFiles::collectSnapshot(dir.filePath(u"missing"_s), 0));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, RunFiles::collectSnapshot(src, 5));
    }
};

QTEST_GUILESS_MAIN(TestIgnoreRules)
#include "TestIgnoreRules.moc"
