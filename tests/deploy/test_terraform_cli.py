"""TerraformCli's commands, against a stand-in `terraform` script that records its arguments."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from alex.deploy.terraform import Part, TerraformCli, TerraformError

FAKE = """#!{python}
import json, pathlib, sys
log = pathlib.Path({log!r})
with log.open("a") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
if "output" in sys.argv:
    print(json.dumps({{"site_url": {{"value": "https://d1.cloudfront.net", "type": "string"}}}}))
sys.exit(3 if "destroy" in sys.argv else 0)
"""


@pytest.fixture
def terraform(tmp_path: Path) -> tuple[TerraformCli, Path, Part]:
    log = tmp_path / "calls.log"
    binary = tmp_path / "terraform"
    binary.write_text(FAKE.format(python=sys.executable, log=str(log)))
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    part = Part(tmp_path / "07_frontend")
    part.path.mkdir()
    return TerraformCli(str(binary)), log, part


def _calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_apply_inits_then_applies_with_the_var_file(
    terraform: tuple[TerraformCli, Path, Part], tmp_path: Path
) -> None:
    cli, log, part = terraform
    cli.apply(part, tmp_path / "inputs.tfvars.json")
    assert _calls(log) == [
        [f"-chdir={part.path}", "init", "-input=false"],
        [
            f"-chdir={part.path}",
            "apply",
            "-input=false",
            "-auto-approve",
            f"-var-file={tmp_path / 'inputs.tfvars.json'}",
        ],
    ]


def test_outputs_init_only_when_the_part_was_never_initialised(
    terraform: tuple[TerraformCli, Path, Part],
) -> None:
    cli, log, part = terraform
    assert cli.outputs(part) == {"site_url": "https://d1.cloudfront.net"}
    (part.path / ".terraform").mkdir()
    cli.outputs(part)
    assert [call[1] for call in _calls(log)] == ["init", "output", "output"]


def test_a_failed_command_names_the_part(
    terraform: tuple[TerraformCli, Path, Part], tmp_path: Path
) -> None:
    cli, _, part = terraform
    with pytest.raises(TerraformError, match="terraform destroy failed in 07_frontend"):
        cli.destroy(part, tmp_path / "inputs.tfvars.json")
