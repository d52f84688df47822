// IDX reader: valid files (plain and .gz), every kind of bad header or size, count mismatches, and the MNIST
// file search.
#include "SyntheticData.h"
#include "TestHarness.h"
#include "mldesk/gpu/Idx.h"

using namespace mldesk;
using mldesk::test::idxBytes;
namespace fs = std::filesystem;

static gpu::IdxArray parse(const std::vector<std::uint8_t> &b)
{
    return gpu::parseIdx(b.data(), b.size(), "f.idx");
}

MLDESK_TEST(parsesValidImages)
{
    std::vector<std::uint8_t> data(2 * 3 * 4);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = std::uint8_t(i);
    const gpu::IdxArray a = parse(idxBytes({2, 3, 4}, data));
    MLDESK_CHECK(a.dims == (std::vector<std::uint32_t>{2, 3, 4}));
    MLDESK_CHECK(a.data == data);
}

MLDESK_TEST(rejectsBadHeaders)
{
    MLDESK_CHECK_THROWS(parse({}), "shorter than the 4-byte magic");
    MLDESK_CHECK_THROWS(parse({0x1f, 0x8b, 8, 0}), "bad magic");
    MLDESK_CHECK_THROWS(parse({0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}), "element type 0x0d");
    MLDESK_CHECK_THROWS(parse({0, 0, 8, 0}), "0 dimensions");
    MLDESK_CHECK_THROWS(parse({0, 0, 8, 9}), "9 dimensions");
    MLDESK_CHECK_THROWS(parse({0, 0, 8, 3, 0, 0, 0, 1}), "truncated IDX header");
    MLDESK_CHECK_THROWS(parse(idxBytes({0, 28}, {})), "dimension 0 is 0");
}

MLDESK_TEST(rejectsWrongSizes)
{
    std::vector<std::uint8_t> b = idxBytes({4, 2}, std::vector<std::uint8_t>(8, 1));
    b.pop_back();
    MLDESK_CHECK_THROWS(parse(b), "truncated: the header says 4 x 2 but the file holds 7 data bytes");
    b.push_back(1);
    b.push_back(1);
    MLDESK_CHECK_THROWS(parse(b), "trailing bytes");
    // Dimensions whose product overflows 64 bits must not wrap around to a small size.
    MLDESK_CHECK_THROWS(parse(idxBytes({0xffffffffu, 0xffffffffu, 0xffffffffu, 16}, std::vector<std::uint8_t>(16))),
                        "truncated");
}

MLDESK_TEST(readsPlainAndGzipFiles)
{
    const fs::path dir = test::freshDir("idx");
    const std::vector<std::uint8_t> labels = {1, 2, 3, 4, 5};
    test::writeFile(dir / "labels", idxBytes({5}, labels));
    MLDESK_CHECK(gpu::readIdxFile((dir / "labels").string()).data == labels);
    if (!gpu::idxGzipSupported()) {
        test::writeFile(dir / "x.gz", {1, 2, 3});
        MLDESK_CHECK_THROWS(gpu::readIdxFile((dir / "x.gz").string()), "gunzip");
        fs::remove_all(dir);
        return;
    }
    MLDESK_CHECK(std::system(("gzip -k '" + (dir / "labels").string() + "'").c_str()) == 0);
    MLDESK_CHECK(gpu::readIdxFile((dir / "labels.gz").string()).data == labels);
    // A truncated .gz names the file and says what is wrong.
    const std::string gz = test::readText(dir / "labels.gz");
    test::writeFile(dir / "cut.gz", std::vector<std::uint8_t>(gz.begin(), gz.begin() + std::ptrdiff_t(gz.size() / 2)));
    MLDESK_CHECK_THROWS(gpu::readIdxFile((dir / "cut.gz").string()), "cut.gz");
    // A wrong CRC in the gzip trailer is corrupt data.
    std::vector<std::uint8_t> bad(gz.begin(), gz.end());
    bad[bad.size() - 8] ^= 0xff;
    test::writeFile(dir / "bad.gz", bad);
    MLDESK_CHECK_THROWS(gpu::readIdxFile((dir / "bad.gz").string()), "corrupt gzip");
    MLDESK_CHECK_THROWS(gpu::readIdxFile((dir / "missing").string()), "cannot open");
    fs::remove_all(dir);
}

MLDESK_TEST(loadsImageSetsAndChecksCounts)
{
    const fs::path dir = test::freshDir("imageset");
    test::writeFile(dir / "img", idxBytes({3, 2, 2}, std::vector<std::uint8_t>(12, 7)));
    test::writeFile(dir / "lab", idxBytes({3}, {0, 9, 4}));
    const gpu::ImageSet s = gpu::loadImageSet((dir / "img").string(), (dir / "lab").string());
    MLDESK_CHECK(s.count == 3 && s.rows == 2 && s.cols == 2 && s.labels[1] == 9);
    test::writeFile(dir / "lab4", idxBytes({4}, {0, 1, 2, 3}));
    MLDESK_CHECK_THROWS(gpu::loadImageSet((dir / "img").string(), (dir / "lab4").string()),
                        "images and labels disagree in count");
    test::writeFile(dir / "lab10", idxBytes({3}, {0, 10, 1}));
    MLDESK_CHECK_THROWS(gpu::loadImageSet((dir / "img").string(), (dir / "lab10").string()), "label 10 at index 1");
    MLDESK_CHECK_THROWS(gpu::loadImageSet((dir / "lab").string(), (dir / "lab").string()), "expected 3 dimensions");
    fs::remove_all(dir);
}

MLDESK_TEST(findsMnistFilesAnywhereUnderTheFolder)
{
    const fs::path dir = test::freshDir("find");
    test::writeSyntheticMnist(dir, 20, 10);
    const gpu::MnistFiles f = gpu::findMnistFiles(dir.string());
    MLDESK_CHECK(f.trainImages == (dir / "sub" / "train-images-idx3-ubyte").string());
    MLDESK_CHECK(f.testLabels == (dir / "t10k-labels-idx1-ubyte").string());
    fs::remove(dir / "t10k-labels-idx1-ubyte");
    MLDESK_CHECK_THROWS(gpu::findMnistFiles(dir.string()), "lacks t10k-labels-idx1-ubyte");
    MLDESK_CHECK_THROWS(gpu::findMnistFiles((dir / "nope").string()), "does not exist");
    fs::remove_all(dir);
}

MLDESK_TEST(readsTheFashionMnistFiles)
{
    const std::string folder = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(folder) || !gpu::idxGzipSupported())
        test::skip("Debian's dataset-fashion-mnist is not installed, or no zlib in this build");
    const gpu::MnistFiles f = gpu::findMnistFiles(folder);
    const gpu::ImageSet s = gpu::loadImageSet(f.testImages, f.testLabels);
    MLDESK_CHECK(s.count == 10000 && s.rows == 28 && s.cols == 28);
}

MLDESK_TEST_MAIN()
