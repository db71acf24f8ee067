"""Static checks of terraform/: what `terraform validate` and checkov cannot know about this
app. Every handler a function names exists; every variable a function gets is a setting and
none carries a secret; IAM names specific resources; tags, common inputs, outputs and the
order of parts hold; the jobs queue outlives the planner; `/api/*` never becomes index.html.

Each check returns its problems, and the tests at the end break a copy of the tree to show
that each one fails when it should. Nothing here needs a network, a provider or AWS."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alex.core.config import Settings
from tests.infra.terraform_tree import Directory, Opaque, Tree, expression, walk_strings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = PROJECT_ROOT / "terraform"
SRC = PROJECT_ROOT / "src"
LAMBDA_MODULE = "modules/lambda_function"
API_HANDLER = "alex.api.lambda_handler.handler"
COMMON_VARIABLES = ("aws_region", "project", "environment", "owner")
REQUIRED_TAGS = {"Project", "Environment", "Owner"}
# The outputs scripts/deploy.py reads; every part also says which functions it made.
REQUIRED_OUTPUTS = {
    "01_foundation": {"artifacts_bucket", "app_secret_arn"},
    "02_embeddings": {"embedding_model", "embedding_dimensions"},
    "03_database": {"cluster_arn", "database_secret_arn", "database_name", "database_url"},
    # scripts/deploy.py creates the vector index from these (alex.deploy.steps).
    "04_knowledge": {
        "vectors_bucket",
        "vectors_index",
        "vectors_dimension",
        "vectors_data_type",
        "vectors_distance_metric",
        "ingest_url",
    },
    "06_agents": {"queue_url", "dlq_url", "function_names"},
    "07_frontend": {
        "site_bucket",
        "cloudfront_distribution_id",
        "site_url",
        "api_url",
        "api_function_name",
    },
    "08_observability": {"dashboard_name", "alarm_topic_arn"},
}
SECRET_WORDS = {"KEY", "SECRET", "PASSWORD", "TOKEN", "CREDENTIALS"}
REMOTE_STATE_PATH = re.compile(
    r"^\$\{path\.module\}/\.\./(\d{2}_[a-z][a-z0-9_]*)/terraform\.tfstate$"
)
# All objects of one bucket, all streams of one log group: `${<one reference>}/*` or `:*`.
ONE_RESOURCE_SUFFIX = re.compile(r"^\$\{[^{}]+\}(/\*|:\*)$")
POLICY_DOCUMENT = re.compile(r"^\$\{data\.aws_iam_policy_document\.([\w-]+)(\[\d+\])?\.json\}$")
MAX_INTEGRATION_MS = 30_000  # API Gateway's hard limit


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree(TERRAFORM)


# --- functions ----------------------------------------------------------------------------


@dataclass
class Function:
    part: Directory
    address: str
    call: dict[str, Any]
    bindings: dict[str, Any]

    def argument(self, name: str, default: Any = None) -> Any:
        return self.part.resolve(self.call.get(name, default), self.bindings)

    def environment(self) -> dict[str, Any] | str:
        """Every variable the function gets, or why it cannot be told."""
        merged: dict[str, Any] = {}
        for name, default in (("shared_environment", None), ("environment", {})):
            value = self.argument(name, default)
            if not isinstance(value, dict):
                shown = value.text if isinstance(value, Opaque) else value
                return f"{self}: cannot tell which variables `{name} = {shown}` holds"
            merged.update(value)
        return merged

    def __str__(self) -> str:
        return f"{self.part.name}: {self.address}"


def functions(tree: Tree) -> Iterator[Function]:
    for part in tree.parts:
        for name, call in part.modules.items():
            if part.module_directory(name).name != LAMBDA_MODULE:
                continue
            if "for_each" not in call:
                yield Function(part, f"module.{name}", call, {})
                continue
            instances = part.resolve(call["for_each"])
            assert isinstance(instances, dict), f"{part.name}: module.{name}: for_each unreadable"
            for key, value in instances.items():
                bindings = {"each.key": key, "each.value": value}
                yield Function(part, f'module.{name}["{key}"]', call, bindings)


def handler_problem(handler: Any) -> str | None:
    if not isinstance(handler, str) or expression(handler) is not None:
        return f"handler {handler!r} is not a literal dotted path"
    module, _, name = handler.rpartition(".")
    base = SRC.joinpath(*module.split("."))
    file = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not file.is_file():
        return f"handler {handler}: no module {module} under src/"
    # Parsed, not imported: importing the agent stack takes seconds and needs its settings.
    body = ast.parse(file.read_text(encoding="utf-8")).body
    if not any(isinstance(node, ast.FunctionDef) and node.name == name for node in body):
        return f"handler {handler}: {file.relative_to(PROJECT_ROOT)} has no top-level def {name}"
    return None


def handlers_in_source() -> set[str]:
    """Every `handler` defined in a lambda_handler.py module under src/alex."""
    found = set()
    for file in SRC.rglob("lambda_handler.py"):
        body = ast.parse(file.read_text(encoding="utf-8")).body
        if any(isinstance(node, ast.FunctionDef) and node.name == "handler" for node in body):
            module = ".".join(file.relative_to(SRC).with_suffix("").parts)
            found.add(f"{module}.handler")
    return found


def function_problems(tree: Tree) -> list[str]:
    problems = []
    deployed = set()
    for function in functions(tree):
        handler = function.argument("handler")
        if problem := handler_problem(handler):
            problems.append(f"{function}: {problem}")
            continue
        deployed.add(handler)
        artifact = function.argument("artifact")
        wanted = "api.zip" if handler == API_HANDLER else "worker.zip"
        if artifact != wanted:
            problems.append(f"{function}: {handler} must run from {wanted}, not {artifact!r}")
    for handler in sorted(handlers_in_source() - deployed):
        problems.append(f"{handler} is defined in src/ but no function deploys it")
    # Every function goes through the module, whose environment is exactly these two maps.
    for part in tree.parts:
        for name in part.resources("aws_lambda_function"):
            problems.append(f"{part.name}: aws_lambda_function.{name}: use {LAMBDA_MODULE}")
    module = tree.directory(TERRAFORM / LAMBDA_MODULE)
    for name, body in module.resources("aws_lambda_function").items():
        variables = body["environment"][0]["variables"]
        if variables != "${merge(var.shared_environment, var.environment)}":
            problems.append(f"{LAMBDA_MODULE}: {name} gets variables other than its two inputs")
    return problems


def looks_secret(name: str) -> bool:
    """`…_API_KEY`, `…_TOKEN`, `…PASSWORD…`: a name for a secret value. `ALEX_SECRET_ARNS` or
    `secret_recovery_window_days` name where secrets are, or something about them."""
    words = name.upper().split("_")
    return words[-1] in SECRET_WORDS or "PASSWORD" in words


def secret_settings() -> set[str]:
    return {
        f"ALEX_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }


def environment_problems(tree: Tree) -> list[str]:
    settings = {f"ALEX_{name.upper()}" for name in Settings.model_fields}
    secrets = secret_settings()
    public = {entry["name"] for entry in tree.exceptions.get("public_names", [])}
    problems = []
    for function in functions(tree):
        environment = function.environment()
        if isinstance(environment, str):
            problems.append(environment)
            continue
        for key in sorted(environment):
            if key not in settings:
                problems.append(f"{function}: {key} is not ALEX_ + a Settings field")
            if (looks_secret(key) or key in secrets) and key not in public:
                problems.append(
                    f"{function}: {key} looks like it carries a secret; secrets go in the app "
                    "secret (ALEX_SECRET_ARNS), never in a function's environment"
                )
        if "ALEX_SECRET_ARNS" not in environment:
            problems.append(f"{function}: no ALEX_SECRET_ARNS, so it would start without its keys")
    return problems


# --- IAM ------------------------------------------------------------------------------------


def statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from document.get("statement", [])
    for dynamic in document.get("dynamic", []):
        yield from dynamic.get("statement", {}).get("content", [])


def is_wildcard(resource: Any) -> bool:
    if not isinstance(resource, str) or ONE_RESOURCE_SUFFIX.match(resource):
        return False
    return "*" in resource


def iam_problems(tree: Tree) -> list[str]:
    excused = {
        (entry["part"], entry["policy"], sid)
        for entry in tree.exceptions.get("iam_wildcards", [])
        for sid in entry["statements"]
    }
    used = set()
    problems = []
    for directory in tree.directories:
        for name, document in directory.data("aws_iam_policy_document").items():
            where = f"{directory.name}: data.aws_iam_policy_document.{name}"
            for statement in statements(document):
                sid = statement.get("sid")
                if "not_resources" in statement:
                    problems.append(f"{where} ({sid}): not_resources grants everything else")
                resources = statement.get("resources", [])
                resources = resources if isinstance(resources, list) else [resources]
                principals = statement.get("principals", [])
                if any("*" in p.get("identifiers", []) for p in principals) and (
                    statement.get("effect", "Allow") != "Deny"
                ):
                    problems.append(f"{where} ({sid}): allows any principal")
                if not any(is_wildcard(resource) for resource in resources):
                    continue
                if (directory.name, name, sid) in excused:
                    used.add((directory.name, name, sid))
                else:
                    problems.append(
                        f"{where} ({sid or 'no sid'}): a wildcard resource; name the exact "
                        "resource, or list the statement (by sid) in exceptions.yaml with why"
                    )
    problems += [f"exceptions.yaml: {e} matches no wildcard any more" for e in excused - used]
    return problems


def arn_literal_problems(tree: Tree) -> list[str]:
    """ARNs built anywhere (locals, outputs, other parts) end up in policies too: none may hold
    a wildcard. Condition values are matched against, not granted, and may."""
    problems = []
    for directory in tree.directories:
        for file, content in directory.files.items():
            for text in walk_strings(content, skip=frozenset({"condition"})):
                if "arn:" in text and "*" in text:
                    problems.append(f"{file.relative_to(tree.root)}: wildcard ARN {text}")
    return problems


def policy_attribute_problems(tree: Tree) -> list[str]:
    problems = []
    for directory in tree.directories:
        documents = set(directory.data("aws_iam_policy_document"))
        for type_, name, body, _ in directory.blocks("resource"):
            for attribute in ("policy", "assume_role_policy"):
                if attribute not in body:
                    continue
                match = POLICY_DOCUMENT.match(str(body[attribute]))
                if match is None or match.group(1) not in documents:
                    problems.append(
                        f"{directory.name}: {type_}.{name}.{attribute} must be the .json of an "
                        "aws_iam_policy_document in the same directory"
                    )
    return problems


# --- parts ----------------------------------------------------------------------------------


def part_problems(tree: Tree) -> list[str]:
    problems = []
    names = [part.name for part in tree.parts]
    common = {
        part.name: (part.path / "common.tf").read_text(encoding="utf-8")
        if (part.path / "common.tf").is_file()
        else ""
        for part in tree.parts
    }
    if len(set(common.values())) != 1:
        problems.append(f"common.tf differs between parts: {sorted(common)} must agree")
    for part in tree.parts:
        for variable in COMMON_VARIABLES:
            if "validation" not in part.variables.get(variable, {}):
                problems.append(f"{part.name}: variable {variable} missing or not validated")
        outputs = set(part.outputs)
        for output in sorted(
            (REQUIRED_OUTPUTS.get(part.name, set()) | {"function_names"}) - outputs
        ):
            problems.append(f"{part.name}: no output {output}")
        for name, body in part.data("terraform_remote_state").items():
            match = REMOTE_STATE_PATH.match(str(body.get("config", {}).get("path")))
            if body.get("backend") != "local" or match is None:
                problems.append(f"{part.name}: remote state {name} is not ../NN_part's local state")
            elif match.group(1) not in names or match.group(1) >= part.name:
                problems.append(
                    f"{part.name}: remote state {name} reads {match.group(1)}, not an earlier part"
                )
    for missing in sorted(set(REQUIRED_OUTPUTS) - set(names)):
        problems.append(f"no part {missing}")
    return problems


def tag_problems(tree: Tree) -> list[str]:
    problems = []
    for directory in tree.directories:
        for name, body, file in directory.providers:
            alias = body.get("alias", "default")
            if not directory.is_part:
                problems.append(f"{directory.name}: a module declares provider {name}; parts do")
                continue
            tags = (body.get("default_tags") or [{}])[0].get("tags", {})
            missing = REQUIRED_TAGS - set(tags if isinstance(tags, dict) else {})
            if missing:
                problems.append(
                    f"{file.relative_to(tree.root)}: provider {name} ({alias}) "
                    f"lacks default tags {sorted(missing)}"
                )
    return problems


def secret_problems(tree: Tree) -> list[str]:
    public = {entry["name"] for entry in tree.exceptions.get("public_names", [])}
    problems = []
    for directory in tree.directories:
        for type_, name, body, _ in directory.blocks("resource"):
            if type_ == "aws_secretsmanager_secret_version":
                problems.append(f"{directory.name}: {type_}.{name} puts a secret value in state")
            if "master_password" in body:
                problems.append(f"{directory.name}: {type_}.{name} sets a password in Terraform")
        if not directory.is_part:
            continue
        for name, body in directory.variables.items():
            if looks_secret(name) and name not in public:
                problems.append(f"{directory.name}: variable {name} looks like it takes a secret")
            if body.get("sensitive"):
                problems.append(
                    f"{directory.name}: variable {name} is sensitive: secrets go in the app secret"
                )
    return problems


# --- jobs queue and web entry point ---------------------------------------------------------


def reference(value: Any, pattern: str) -> str | None:
    match = re.match(pattern, expression(value) or "")
    return match.group(1) if match else None


def queue_problems(tree: Tree) -> list[str]:
    problems = []
    mappings = 0
    for part in tree.parts:
        queues = part.resources("aws_sqs_queue")
        for name, mapping in part.resources("aws_lambda_event_source_mapping").items():
            mappings += 1
            queue = reference(mapping["event_source_arn"], r"^aws_sqs_queue\.([\w-]+)\.arn$")
            call = reference(mapping["function_name"], r"^module\.([\w-]+)\.arn$")
            if queue not in queues or call not in part.modules:
                problems.append(
                    f"{part.name}: event source {name}: cannot see its queue or function"
                )
                continue
            visibility = part.number(queues[queue]["visibility_timeout_seconds"])
            timeout = part.number(part.modules[call]["timeout_seconds"])
            if visibility <= timeout:
                problems.append(
                    f"{part.name}: queue {queue} hides a message {visibility:g} s, no longer than "
                    f"{call}'s {timeout:g} s timeout: a running job would be delivered twice"
                )
            receives = re.search(r"maxReceiveCount\s*=\s*([^,}]+)", queues[queue]["redrive_policy"])
            count = part.number("${" + receives.group(1).strip() + "}") if receives else None
            if count != 3:
                problems.append(
                    f"{part.name}: queue {queue} dead-letters after {count}, not 3 receives"
                )
            environment = Function(part, f"module.{call}", part.modules[call], {}).environment()
            if isinstance(environment, str):
                problems.append(environment)
                continue
            if part.number(environment.get("ALEX_JOB_MAX_ATTEMPTS", "0")) != count:
                problems.append(
                    f"{part.name}: ALEX_JOB_MAX_ATTEMPTS is not the queue's maxReceiveCount"
                )
            if part.number(environment.get("ALEX_JOB_TIMEOUT_SECONDS", "inf")) >= timeout:
                problems.append(
                    f"{part.name}: ALEX_JOB_TIMEOUT_SECONDS is not below {call}'s timeout"
                )
    if mappings == 0:
        problems.append("no SQS event source mapping: nothing consumes the jobs queue")
    return problems


def web_problems(tree: Tree) -> list[str]:
    problems = []
    distributions = 0
    for part in tree.parts:
        cache_policies = part.data("aws_cloudfront_cache_policy")
        for name, body in part.resources("aws_cloudfront_distribution").items():
            distributions += 1
            where = f"{part.name}: aws_cloudfront_distribution.{name}"
            if body.get("custom_error_response"):
                problems.append(f"{where}: custom_error_response would turn API errors into pages")
            origins = {origin["origin_id"]: origin for origin in body.get("origin", [])}
            api = [
                b
                for b in body.get("ordered_cache_behavior", [])
                if b.get("path_pattern") == "/api/*"
            ]
            if not api:
                problems.append(f"{where}: no /api/* behaviour")
                continue
            behaviour = api[0]
            origin = origins.get(behaviour["target_origin_id"], {})
            if "custom_origin_config" not in origin or "aws_apigatewayv2_api" not in origin.get(
                "domain_name", ""
            ):
                problems.append(f"{where}: /api/* does not go to the HTTP API")
            policy = reference(
                behaviour.get("cache_policy_id"),
                r"^data\.aws_cloudfront_cache_policy\.([\w-]+)\.id$",
            )
            if cache_policies.get(policy or "", {}).get("name") != "Managed-CachingDisabled":
                problems.append(
                    f"{where}: /api/* must use the Managed-CachingDisabled cache policy"
                )
            if behaviour.get("function_association"):
                problems.append(f"{where}: /api/* must reach the API unrewritten")
            default = body["default_cache_behavior"][0]
            if not any(
                f.get("event_type") == "viewer-request"
                for f in default.get("function_association", [])
            ):
                problems.append(f"{where}: the default behaviour needs the page-path function")
        for name, body in part.resources("aws_apigatewayv2_integration").items():
            if (
                part.number(body.get("timeout_milliseconds", MAX_INTEGRATION_MS))
                > MAX_INTEGRATION_MS
            ):
                problems.append(
                    f"{part.name}: integration {name} waits longer than API Gateway allows"
                )
    if distributions == 0:
        problems.append("no CloudFront distribution")
    for function in functions(tree):
        if (
            function.argument("handler") == API_HANDLER
            and function.part.number(function.call["timeout_seconds"]) >= 30
        ):
            problems.append(f"{function}: the API function must stop before API Gateway's 30 s")
    return problems


CHECKS = {
    "functions": function_problems,
    "environment": environment_problems,
    "iam": iam_problems,
    "arn_literals": arn_literal_problems,
    "policy_attributes": policy_attribute_problems,
    "parts": part_problems,
    "tags": tag_problems,
    "secrets": secret_problems,
    "queue": queue_problems,
    "web": web_problems,
}


# --- the checks, on the real tree -------------------------------------------------------------


def test_every_terraform_file_parses(tree: Tree) -> None:
    files = sorted(TERRAFORM.rglob("*.tf"))
    parsed = {file for directory in tree.directories for file in directory.files}
    assert {f for f in files if ".terraform" not in f.parts} == parsed
    assert len(tree.parts) == 8


def test_files_a_part_reads_exist(tree: Tree) -> None:
    for directory in tree.directories:
        for file, content in directory.files.items():
            for text in walk_strings(content):
                for name in re.findall(r'file\(\s*"\$\{path\.module\}/([^"]+)"\s*\)', text):
                    assert (directory.path / name).is_file(), f"{file}: reads missing {name}"


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_terraform(tree: Tree, check: str) -> None:
    assert CHECKS[check](tree) == []


def test_secret_names_are_recognised() -> None:
    assert secret_settings() >= {
        "ALEX_MODEL_API_KEY",
        "ALEX_KNOWLEDGE_SERVICE_KEY",
        "ALEX_METRICS_TOKEN",
    }
    assert all(looks_secret(name) for name in ("ALEX_MODEL_API_KEY", "db_password_file", "TOKEN"))
    assert not any(looks_secret(name) for name in ("ALEX_SECRET_ARNS", "key_deletion_window_days"))


def test_the_functions_are_the_ones_the_app_has(tree: Tree) -> None:
    deployed = {str(f.argument("handler")) for f in functions(tree)}
    assert deployed == handlers_in_source()
    assert len(deployed) == 8


# --- the page-path CloudFront Function ----------------------------------------------------------


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/", "/index.html"),
        ("/accounts/", "/accounts/index.html"),
        ("/accounts", "/accounts/index.html"),
        ("/accounts/detail/", "/accounts/detail/index.html"),
        ("/_next/static/chunks/app-1a2b.js", "/_next/static/chunks/app-1a2b.js"),
        ("/favicon.ico", "/favicon.ico"),
        ("/404.html", "/404.html"),
    ],
)
def test_page_paths_map_to_the_static_export(uri: str, expected: str) -> None:
    code = (TERRAFORM / "07_frontend" / "spa_paths.js").read_text(encoding="utf-8")
    script = code + f"\nconsole.log(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected


# --- each check fails on a deliberate violation -----------------------------------------------


def broken(tmp_path: Path, file: str, old: str, new: str) -> Tree:
    """A copy of terraform/ with one edit."""
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    target = copy / file
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{file} no longer contains {old!r}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return Tree(copy)


VIOLATIONS = [
    pytest.param(
        "functions",
        "05_researcher/main.tf",
        '"alex.agents.researcher.lambda_handler.handler"',
        '"alex.agents.researcher.lambda_handler.handle"',
        "has no top-level def handle",
        id="missing-handler",
    ),
    pytest.param(
        "functions",
        "07_frontend/main.tf",
        'artifact    = "api.zip"',
        'artifact    = "worker.zip"',
        "must run from api.zip",
        id="wrong-artifact",
    ),
    pytest.param(
        "environment",
        "05_researcher/main.tf",
        'ALEX_RESEARCH_WEB = var.research_web ? "true" : "false"',
        'ALEX_RESEARCH_WEBB = "true"',
        "ALEX_RESEARCH_WEBB is not ALEX_ + a Settings field",
        id="unknown-setting",
    ),
    pytest.param(
        "environment",
        "05_researcher/main.tf",
        'ALEX_RESEARCH_WEB = var.research_web ? "true" : "false"',
        'ALEX_MODEL_API_KEY = "sk-live"',
        "ALEX_MODEL_API_KEY looks like it carries a secret",
        id="secret-in-environment",
    ),
    pytest.param(
        "iam",
        "05_researcher/main.tf",
        "resources = [module.researcher.arn]",
        'resources = ["*"]',
        "(InvokeResearcher): a wildcard resource",
        id="wildcard-resource",
    ),
    pytest.param(
        "iam",
        "exceptions.yaml",
        "statements: [EcrSignIn]",
        "statements: [EcrSignIn, SomethingElse]",
        "matches no wildcard any more",
        id="stale-iam-exception",
    ),
    pytest.param(
        "arn_literals",
        "02_embeddings/main.tf",
        "foundation-model/${local.chat_base_model}",
        "foundation-model/*",
        "wildcard ARN",
        id="wildcard-arn",
    ),
    pytest.param(
        "policy_attributes",
        "05_researcher/main.tf",
        "policy = data.aws_iam_policy_document.scheduler.json",
        'policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })',
        "must be the .json of an aws_iam_policy_document",
        id="inline-policy",
    ),
    pytest.param(
        "tags",
        "07_frontend/waf.tf",
        "      Owner       = var.owner\n",
        "",
        "lacks default tags ['Owner']",
        id="untagged-provider",
    ),
    pytest.param(
        "parts",
        "04_knowledge/common.tf",
        'default     = "us-east-1"',
        'default     = "eu-west-1"',
        "common.tf differs between parts",
        id="common-drift",
    ),
    pytest.param(
        "parts",
        "06_agents/outputs.tf",
        'output "dlq_url"',
        'output "dead_letter_url"',
        "06_agents: no output dlq_url",
        id="missing-output",
    ),
    pytest.param(
        "parts",
        "04_knowledge/main.tf",
        "../02_embeddings/terraform.tfstate",
        "../06_agents/terraform.tfstate",
        "reads 06_agents, not an earlier part",
        id="later-remote-state",
    ),
    pytest.param(
        "secrets",
        "01_foundation/main.tf",
        "# --- the app secret",
        'resource "aws_secretsmanager_secret_version" "app" {\n'
        "  secret_id     = aws_secretsmanager_secret.app.id\n"
        "  secret_string = var.clerk_secret_key\n}\n\n# --- the app secret",
        "puts a secret value in state",
        id="secret-version",
    ),
    pytest.param(
        "queue",
        "06_agents/main.tf",
        "queue_visibility_timeout_seconds = 6 * var.planner_timeout_seconds",
        "queue_visibility_timeout_seconds = var.planner_timeout_seconds - 1",
        "a running job would be delivered twice",
        id="short-visibility",
    ),
    pytest.param(
        "web",
        "07_frontend/main.tf",
        "  restrictions {",
        "  custom_error_response {\n    error_code         = 403\n"
        '    response_code      = 200\n    response_page_path = "/index.html"\n  }\n\n'
        "  restrictions {",
        "custom_error_response would turn API errors into pages",
        id="index-html-fallback",
    ),
    pytest.param(
        "web",
        "07_frontend/main.tf",
        'path_pattern               = "/api/*"',
        'path_pattern               = "/v1/*"',
        "no /api/* behaviour",
        id="no-api-behaviour",
    ),
]


@pytest.mark.parametrize(("check", "file", "old", "new", "expected"), VIOLATIONS)
def test_a_violation_fails_its_check(
    tmp_path: Path, check: str, file: str, old: str, new: str, expected: str
) -> None:
    problems = CHECKS[check](broken(tmp_path, file, old, new))
    assert any(expected in problem for problem in problems), problems
