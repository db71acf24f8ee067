"""The README's configuration table and .env.example list every setting."""

from __future__ import annotations

from alex.core.config import PROJECT_ROOT, Settings


def _env_names() -> list[str]:
    return [f"ALEX_{name.upper()}" for name in Settings.model_fields]


def test_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [name for name in _env_names() if f"`{name}`" not in readme]
    assert missing == []


def test_env_example_lists_every_setting() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    missing = [name for name in _env_names() if f"{name}=" not in example]
    assert missing == []
