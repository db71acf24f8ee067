"""Where local state goes by default."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alex.core.config import PROJECT_ROOT, default_var_dir


def test_local_state_defaults_to_the_projects_var_folder() -> None:
    assert default_var_dir({}) == PROJECT_ROOT / "var"


def test_on_lambda_it_is_the_writable_temporary_directory() -> None:
    # Lambda sets AWS_LAMBDA_FUNCTION_NAME in every function; its code directory is read-only.
    on_lambda = default_var_dir({"AWS_LAMBDA_FUNCTION_NAME": "alex-prod-api"})
    assert on_lambda == Path(tempfile.gettempdir()) / "alex"
