#!/usr/bin/env python3
# The package test (label `package`): builds mldesk_<version>_<arch>.deb, unpacks it with dpkg -x into a throwaway
# root, checks its contents and metadata (desktop-file-validate, appstreamcli, lintian) and runs the unpacked
# mldesk-cli and mldesk-train (a one-epoch training on synthetic IDX data). In CI (CI=true, root) it also installs
# the .deb with apt-get and removes it again.
import argparse
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
APPSTREAM_ID = "invalid.mldesk.MLDesk"
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def run(cmd, *, env=None, timeout=600, cwd=None, check=True, quiet=False):
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    started = time.monotonic()
    p = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, timeout=timeout, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout
    shown = "" if quiet and p.returncode == 0 else out if len(out) < 6000 else out[:2000] + "\n[...]\n" + out[-3000:]
    print((shown.rstrip() + "\n" if shown.strip() else "") + f"  -> exit {p.returncode} in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    if check and p.returncode != 0:
        fail(f"{Path(str(cmd[0])).name} exited with {p.returncode}")
    return p


def need_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print(f"package test: missing {', '.join(missing)}: run scripts/setup (Debian 12)", file=sys.stderr)
        sys.exit(1)


def build_deb(args, out_dir):
    """The .deb of this build folder (cpack only, no rebuild). A CUDA build's CUDA plugin stays out of it (its install
    component is not packaged: installer/CMakeLists.txt), so the package is the same CPU one either way."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    config = Path(args.build_dir) / "CPackConfig.cmake"
    if not config.exists():
        print(f"package test: {config} is missing: the installer was not configured (rsvg-convert or help2man "
              "missing?); run scripts/setup and configure again", file=sys.stderr)
        sys.exit(1)
    if args.with_cuda.upper() in ("ON", "1", "TRUE", "YES"):
        print("this build has CUDA on: its CUDA plugin (install component cuda) is left out of the package", flush=True)
    run([args.cpack, "-G", "DEB", "--config", config, "-B", out_dir], timeout=600)
    debs = sorted(out_dir.glob("mldesk_*.deb"))
    if len(debs) != 1:
        print(f"package test: expected one mldesk_*.deb in {out_dir}, found {[d.name for d in debs]}", file=sys.stderr)
        sys.exit(1)
    return debs[0]


def check_control(deb, version):
    fields = {}
    for name in ("Package", "Version", "Architecture", "Depends", "Recommends"):
        fields[name] = run(["dpkg-deb", "--field", deb, name]).stdout.strip()
    if fields["Package"] != "mldesk":
        fail(f"Package is '{fields['Package']}', expected mldesk")
    if fields["Version"] != version:
        fail(f"Version is '{fields['Version']}', expected {version} (project(VERSION))")
    if not deb.name == f"mldesk_{version}_{fields['Architecture']}.deb":
        fail(f"file name {deb.name} is not mldesk_{version}_{fields['Architecture']}.deb")
    depends = {d.strip().split(" ")[0] for d in fields["Depends"].replace("|", ",").split(",")}
    for wanted in ("libqt6svg6", "libqt6sql6-sqlite", "libqt6core6", "libqt6widgets6", "libqt6charts6", "libc6"):
        if wanted not in depends:
            fail(f"Depends lacks {wanted}: {fields['Depends']}")
    if "cuda" in fields["Depends"].lower():
        fail(f"Depends names CUDA packages: {fields['Depends']}")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def check_files(root, source_dir):
    usr = root / "usr"
    expected = [usr / "bin" / b for b in ("mldesk", "mldesk-cli", "mldesk-train")]
    expected += [usr / "share/applications/mldesk.desktop", usr / f"share/metainfo/{APPSTREAM_ID}.metainfo.xml",
                 usr / "share/icons/hicolor/scalable/apps/mldesk.svg", usr / "share/doc/mldesk/copyright",
                 usr / "share/doc/mldesk/changelog.gz"]
    expected += [usr / f"share/man/man1/{b}.1.gz" for b in ("mldesk", "mldesk-cli", "mldesk-train")]
    for path in expected:
        if not path.is_file():
            fail(f"the package lacks {path.relative_to(root)}")
    cuda = sorted(str(p.relative_to(root)) for p in root.rglob("*cuda*"))
    if cuda:
        fail(f"the package holds CUDA files (no Debian package provides their libraries): {cuda}")
    for size in PNG_SIZES:
        png = usr / f"share/icons/hicolor/{size}x{size}/apps/mldesk.png"
        if not png.is_file():
            fail(f"the package lacks {png.relative_to(root)}")
        elif png_size(png) != (size, size):
            fail(f"{png.relative_to(root)} is {png_size(png)}, expected ({size}, {size})")
    man = usr / "share/man/man1/mldesk-cli.1.gz"
    if man.is_file() and b"workspace" not in gzip.decompress(man.read_bytes()):
        fail("the mldesk-cli man page does not mention the workspace command")
    python_src = Path(source_dir) / "resources/python"
    if python_src.is_dir():
        for src in python_src.rglob("*.py"):
            rel = src.relative_to(python_src)
            if "tests" in rel.parts or "__pycache__" in rel.parts:
                continue
            if not (usr / "share/mldesk/python" / rel).is_file():
                fail(f"the package lacks share/mldesk/python/{rel}")
    for binary in expected[:3]:
        if binary.is_file():
            ldd = run(["ldd", binary], quiet=True).stdout
            if "not found" in ldd:
                fail(f"{binary.name} has unresolved libraries:\n{ldd}")
            cuda = re.findall(r"\blib(?:cuda|cudart|cublas|cublasLt)\.so\S*", ldd)
            if cuda:
                fail(f"{binary.name} links CUDA libraries: {cuda}")


def write_idx(path, dims, data):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    payload = header + bytes(data)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(payload, mtime=0))
    else:
        path.write_bytes(payload)


def make_idx_data(folder, train=600, test=100):
    """Ten separable classes: class k lights up row band k of a 28x28 image, plus deterministic noise."""
    folder.mkdir(parents=True)
    state = 12345

    def noise():
        nonlocal state
        state = (1103515245 * state + 12345) % (1 << 31)
        return state >> 24

    def images(count):
        labels, pixels = [], bytearray()
        for i in range(count):
            k = i % 10
            labels.append(k)
            for r in range(28):
                for _ in range(28):
                    pixels.append(min(255, (200 if 2 * k + 4 <= r < 2 * k + 7 else 0) + noise() // 4))
        return labels, pixels

    labels, pixels = images(train)
    write_idx(folder / "train-images-idx3-ubyte", (train, 28, 28), pixels)
    write_idx(folder / "train-labels-idx1-ubyte", (train,), labels)
    labels, pixels = images(test)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", (test, 28, 28), pixels)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", (test,), labels)


def run_installed(bin_dir, work, version, env):
    for binary in ("mldesk-cli", "mldesk", "mldesk-train"):
        p = run([bin_dir / binary, "--version"], env=env, timeout=60)
        if version not in p.stdout:
            fail(f"{binary} --version printed '{p.stdout.strip()}', expected it to contain {version}")

    ws = work / "ws"
    run([bin_dir / "mldesk-cli", "workspace", "create", ws, "--name", "package-test"], env=env, timeout=60)
    config = ws / "config.json"
    if not config.is_file():
        fail(f"mldesk-cli workspace create left no {config}")
    elif json.loads(config.read_text()).get("workspace_name") != "package-test":
        fail(f"{config} does not name the workspace package-test: {config.read_text()}")
    p = run([bin_dir / "mldesk-cli", "--workspace", ws, "--json", "workspace", "show"], env=env, timeout=60)
    if "package-test" not in p.stdout:
        fail("mldesk-cli workspace show does not show the new workspace")

    # The unpacked GUI starts (offscreen), opens the workspace and draws its window.
    shot = work / "window.png"
    run([bin_dir / "mldesk", "--workspace", ws, "--screenshot", shot], env=env, timeout=120)
    if not shot.is_file() or png_size(shot) is None or png_size(shot)[0] < 200:
        fail(f"mldesk --screenshot left no window image at {shot}")

    data = work / "idx"
    make_idx_data(data)
    outputs = work / "outputs"
    metrics = work / "metrics.jsonl"
    train_env = dict(env, MLDESK_METRICS_FILE=str(metrics))
    run([bin_dir / "mldesk-train", "--data-folder", data, "--epochs", "1", "--device", "cpu", "--seed", "7",
         "--first-layer-neurons", "32", "--second-layer-neurons", "16", "--threads", "2", "--outputs", outputs],
        env=train_env, timeout=300)
    model_json = outputs / "model" / "model.json"
    if not model_json.is_file():
        fail(f"mldesk-train left no {model_json}")
    else:
        json.loads(model_json.read_text())
    if not (outputs / "model" / "model.h5").is_file():
        fail("mldesk-train left no model.h5 (was the package built without HDF5?)")
    names = set()
    if metrics.is_file():
        for line in metrics.read_text().splitlines():
            names.add(json.loads(line).get("name"))
    for wanted in ("Loss", "Accuracy"):
        if wanted not in names:
            fail(f"the metrics file has no {wanted} line (names: {sorted(n for n in names if n)})")


def apt_install(deb, version):
    """CI only (a throwaway machine, root): the real install, with the Depends resolved by apt, then removal."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", deb.resolve()]
    # Tests never download: simulate first; every dependency must already be installed (scripts/setup did that).
    p = run(install[:2] + ["--simulate"] + install[2:], env=env, timeout=300)
    if p.returncode != 0:
        return
    others = [line.split()[1] for line in p.stdout.splitlines() if line.startswith("Inst ")
              and line.split()[1] != "mldesk"]
    if others:
        fail(f"apt-get would also install {', '.join(others)}: run scripts/setup, or add them to it")
        return
    if run(install, env=env, timeout=600).returncode != 0:
        return
    try:
        out = run(["/usr/bin/mldesk-cli", "--version"]).stdout
        if version not in out:
            fail(f"the installed mldesk-cli --version printed '{out.strip()}'")
        run(["desktop-file-validate", "/usr/share/applications/mldesk.desktop"])
    finally:
        run(["apt-get", "remove", "-y", "mldesk"], env=env, timeout=600)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--cpack", default="cpack")
    parser.add_argument("--with-cuda", default="OFF")
    parser.add_argument("--version", required=True)
    args = parser.parse_args()
    need_tools("dpkg-deb", "ldd", "desktop-file-validate", "appstreamcli", "lintian")
    started = time.monotonic()

    work = Path(args.work_dir)
    deb = build_deb(args, work / "deb")
    print(f"built {deb} ({deb.stat().st_size // 1024} KiB) in {time.monotonic() - started:.1f} s", flush=True)
    check_control(deb, args.version)

    with tempfile.TemporaryDirectory(prefix="mldesk-package-test-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        run(["dpkg", "-x", deb, root])
        check_files(root, args.source_dir)
        run(["desktop-file-validate", root / "usr/share/applications/mldesk.desktop"])
        run(["appstreamcli", "validate", "--no-net", root / f"usr/share/metainfo/{APPSTREAM_ID}.metainfo.xml"])
        # Errors fail the test; warnings are printed (listed in the installer notes).
        run(["lintian", "--fail-on", "error", "--tag-display-limit", "0", "--display-info", deb], timeout=600)

        home = tmp / "home"
        home.mkdir()
        env = {"PATH": f"{root / 'usr/bin'}:/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
               "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
               "XDG_RUNTIME_DIR": str(tmp), "LANG": "C.UTF-8"}
        run_installed(root / "usr/bin", tmp, args.version, env)

    if os.environ.get("CI") == "true" and os.geteuid() == 0:
        apt_install(deb, args.version)
    else:
        print("not CI as root: skipping the real apt-get install", flush=True)

    print(f"package test took {time.monotonic() - started:.1f} s", flush=True)
    if failures:
        print(f"{len(failures)} failure(s):\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    print("package test passed")


if __name__ == "__main__":
    main()
