// Tests of CondaSpec: the seed's conda_dependencies.yml parses into channels, python version, conda and pip
// packages; malformed files are refused with the line number.
#include "core/environments/CondaSpec.h"

#include <QtTest>

using namespace mldesk::core;

namespace {

// The seed's conda file ("Train Keras models at scale", conda_dependencies.yml).
const char *kSeedConda = R"(name: keras-env
channels:
  - conda-forge
dependencies:
  - python=3.6.2
  - pip:
    - azureml-defaults
    - tensorflow-gpu==2.0.0
    - keras<=2.3.1
    - matplotlib
)";

} // namespace

class TestCondaSpec final : public QObject {
    Q_OBJECT
private slots:
    void seedFileParses()
    {
        const CondaSpec spec = CondaSpec::parse(QString::fromUtf8(kSeedConda));
        QCOMPARE(spec.name, QStringLiteral("keras-env"));
        QCOMPARE(spec.channels, QStringList{QStringLiteral("conda-forge")});
        QCOMPARE(spec.pythonVersion, QStringLiteral("3.6.2"));
        QCOMPARE(spec.condaPackages, QStringList{QStringLiteral("python=3.6.2")});
        const QStringList pip{QStringLiteral("azureml-defaults"), QStringLiteral("tensorflow-gpu==2.0.0"),
                              QStringLiteral("keras<=2.3.1"), QStringLiteral("matplotlib")};
        QCOMPARE(spec.pipPackages, pip);
    }

    void jsonRoundTrip()
    {
        const CondaSpec spec = CondaSpec::parse(QString::fromUtf8(kSeedConda));
        const CondaSpec back = CondaSpec::fromJson(spec.toJson());
        QCOMPARE(back.name, spec.name);
        QCOMPARE(back.channels, spec.channels);
        QCOMPARE(back.pythonVersion, spec.pythonVersion);
        QCOMPARE(back.condaPackages, spec.condaPackages);
        QCOMPARE(back.pipPackages, spec.pipPackages);
    }

    void otherPythonPins_data()
    {
        QTest::addColumn<QString>("dependency");
        QTest::addColumn<QString>("version");
        QTest::newRow("single =") << "python=3.10"
                                  << "3.10";
        QTest::newRow("double ==") << "python==3.8.5"
                                   << "3.8.5";
        QTest::newRow("at least") << "python>=3.9"
                                  << "3.9";
        QTest::newRow("unpinned") << "python"
                                  << "";
        QTest::newRow("not python") << "pythonnet=3.0"
                                    << "";
    }
    void otherPythonPins()
    {
        QFETCH(QString, dependency);
        QFETCH(QString, version);
        const CondaSpec spec = CondaSpec::parse(QStringLiteral("dependencies:\n  - ") + dependency + u'\n');
        QCOMPARE(spec.pythonVersion, version);
    }

    void errorsNameTheLine_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("malformed") << "name: x\ndependencies:\n  - numpy\n - [unclosed\n" << 4 << "not valid YAML";
        QTest::newRow("bad indentation") << "name: x\nchannels:\n  - a\n   b: c\n" << 4 << "not valid YAML";
        QTest::newRow("missing dependencies") << "name: x\nchannels:\n  - conda-forge\n"
                                              << 1 << "missing 'dependencies'";
        QTest::newRow("null dependencies") << "name: x\ndependencies:\n" << 2 << "missing 'dependencies'";
        QTest::newRow("dependencies not a list") << "name: x\ndependencies: numpy\n" << 2 << "must be a list";
        QTest::newRow("pip not a list") << "name: x\ndependencies:\n  - python=3.8\n  - pip: numpy\n"
                                        << 4 << "'pip' must be a list";
        QTest::newRow("pip mapping") << "name: x\ndependencies:\n  - python=3.8\n  - pip:\n      numpy: 1\n"
                                     << 5 << "'pip' must be a list";
        QTest::newRow("pip entry not a string") << "dependencies:\n  - pip:\n    - numpy\n    - [a, b]\n"
                                                << 4 << "plain string";
        QTest::newRow("other mapping") << "dependencies:\n  - python=3.8\n  - conda: x\n" << 3 << "'pip:' list";
        QTest::newRow("channels not a list") << "channels: conda-forge\ndependencies:\n  - x\n"
                                             << 1 << "must be a list";
        QTest::newRow("not a mapping") << "- just\n- a list\n" << 1 << "mapping";
        QTest::newRow("empty file") << "" << 1 << "mapping";
    }
    void errorsNameTheLine()
    {
        QFETCH(QString, yaml);
        QFETCH(int, line);
        QFETCH(QString, mentions);
        try {
            CondaSpec::parse(yaml);
            QFAIL("accepted a bad file");
        } catch (const CondaSpecError &e) {
            QVERIFY2(e.message().contains(mentions), qPrintable(e.message()));
            QCOMPARE(e.line(), line);
            QVERIFY2(e.message().startsWith(QStringLiteral("line %1: ").arg(line)), qPrintable(e.message()));
        }
    }
};

QTEST_GUILESS_MAIN(TestCondaSpec)
#include "TestCondaSpec.moc"
