"""The Terraform parts and the one thing that runs Terraform.

A part is a directory `terraform/NN_name` with its own local state; parts apply in the order of
their numbers and are destroyed in reverse. Each part reads the earlier parts' outputs itself
(`terraform_remote_state`), so the only inputs passed here are the deployment's own choices,
in one JSON var-file that every part reads (a part ignores the values it does not declare)."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

_PART = re.compile(r"^(\d{2})_([a-z][a-z0-9_]*)$")
MIN_VERSION = (1, 5)


@dataclass(frozen=True)
class Part:
    path: Path

    @property
    def name(self) -> str:
        """`database` for `03_database`."""
        match = _PART.match(self.path.name)
        assert match is not None
        return match.group(2)

    @property
    def state_file(self) -> Path:
        return self.path / "terraform.tfstate"

    def has_resources(self) -> bool:
        """True when the local state holds anything (a part never applied, or destroyed,
        has nothing to remove)."""
        if not self.state_file.is_file():
            return False
        state = json.loads(self.state_file.read_text(encoding="utf-8"))
        return bool(state.get("resources"))


def parts(root: Path) -> list[Part]:
    """The parts under `root` (`terraform/`), in apply order."""
    found = [Part(path) for path in sorted(root.iterdir()) if _PART.match(path.name)]
    if not found:
        raise FileNotFoundError(f"no Terraform parts (NN_name directories) under {root}")
    return found


class Terraform(Protocol):
    """What the deploy and destroy scripts need from Terraform."""

    def apply(self, part: Part, var_file: Path) -> None: ...

    def destroy(self, part: Part, var_file: Path) -> None: ...

    def outputs(self, part: Part) -> dict[str, Any]: ...


class TerraformError(RuntimeError):
    pass


class TerraformCli:
    """The `terraform` binary. Its own output streams to the terminal: an apply takes minutes
    (Aurora and CloudFront most), and the operator should see what it is doing."""

    def __init__(self, binary: str = "terraform") -> None:
        self._binary = binary

    def _run(self, part: Part, *args: str, capture: bool = False) -> str:
        command = [self._binary, f"-chdir={part.path}", *args]
        log.info("terraform", extra={"part": part.path.name, "command": args[0]})
        done = subprocess.run(  # noqa: S603 - a fixed binary with our own arguments
            command, check=False, text=True, capture_output=capture
        )
        if done.returncode != 0:
            detail = (done.stderr or "").strip() if capture else "see the output above"
            raise TerraformError(
                f"terraform {args[0]} failed in {part.path.name} (exit {done.returncode}): {detail}"
            )
        return done.stdout or ""

    def _init(self, part: Part) -> None:
        self._run(part, "init", "-input=false")

    def apply(self, part: Part, var_file: Path) -> None:
        self._init(part)
        self._run(part, "apply", "-input=false", "-auto-approve", f"-var-file={var_file}")

    def destroy(self, part: Part, var_file: Path) -> None:
        self._init(part)
        self._run(part, "destroy", "-input=false", "-auto-approve", f"-var-file={var_file}")

    def outputs(self, part: Part) -> dict[str, Any]:
        # A checkout whose state was restored has no .terraform/: `output` needs the backend.
        # After an apply it is there already, and init would only repeat itself.
        if not (part.path / ".terraform").is_dir():
            self._init(part)
        raw = json.loads(self._run(part, "output", "-json", capture=True) or "{}")
        return {name: item["value"] for name, item in raw.items()}


def terraform_version_problem(binary: str = "terraform") -> str | None:
    """Why this machine's Terraform cannot deploy, or None when it can."""
    path = shutil.which(binary)
    if path is None:
        return (
            "terraform is not on PATH: install Terraform 1.5 or newer "
            "(https://developer.hashicorp.com/terraform/install)"
        )
    done = subprocess.run(  # noqa: S603 - the binary found on PATH, fixed arguments
        [path, "version", "-json"], check=False, capture_output=True, text=True
    )
    try:
        version = str(json.loads(done.stdout)["terraform_version"])
    except (ValueError, KeyError):
        return f"could not read the version of {path}: run `terraform version`"
    numbers = tuple(int(piece) for piece in re.findall(r"\d+", version)[:2])
    if numbers < MIN_VERSION:
        return f"terraform {version} is too old: install 1.5 or newer"
    return None
