"""Pass or fail a checkov run against the exceptions listed in terraform/exceptions.yaml.

Checkov's own skip list works per check id only; this gate excuses a failed check for the
resources an entry names, with the entry's reason, and fails on anything else: an unlisted
failure, a parsing error, or an entry that matched nothing (a stale excuse).

    python tests/infra/checkov_gate.py <checkov -o json output> terraform/exceptions.yaml
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Excuse:
    check: str
    resource: str
    reason: str

    def matches(self, check: str, resource: str) -> bool:
        if check != self.check:
            return False
        pattern = ".*".join(re.escape(piece) for piece in self.resource.split("*"))
        return re.fullmatch(pattern, resource) is not None


@dataclass(frozen=True)
class Verdict:
    passed: int
    excused: list[tuple[str, str]]
    unexcused: list[str]
    stale: list[Excuse]
    parsing_errors: list[str]

    @property
    def ok(self) -> bool:
        return not (self.unexcused or self.stale or self.parsing_errors)


def load_excuses(path: Path) -> list[Excuse]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    excuses = []
    for entry in document.get("checkov", []):
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise ValueError(f"{path}: the checkov entry for {entry.get('check')} has no reason")
        checks = entry["check"] if isinstance(entry["check"], list) else [entry["check"]]
        excuses += [
            Excuse(check, resource, reason) for check in checks for resource in entry["resources"]
        ]
    return excuses


def judge(report: dict[str, Any] | list[dict[str, Any]], excuses: list[Excuse]) -> Verdict:
    reports = report if isinstance(report, list) else [report]
    failed: list[dict[str, Any]] = []
    passed = 0
    parsing_errors: list[str] = []
    for item in reports:
        results = item.get("results", {})
        failed += results.get("failed_checks", [])
        passed += len(results.get("passed_checks", []))
        parsing_errors += [str(error) for error in results.get("parsing_errors", [])]
    used: set[Excuse] = set()
    excused: list[tuple[str, str]] = []
    unexcused: list[str] = []
    for failure in failed:
        check, resource = failure["check_id"], failure["resource"]
        excuse = next((e for e in excuses if e.matches(check, resource)), None)
        if excuse is None:
            unexcused.append(
                f"{check} {resource} ({failure.get('file_path')}): {failure.get('check_name')}"
            )
        else:
            used.add(excuse)
            excused.append((check, resource))
    stale = [excuse for excuse in excuses if excuse not in used]
    return Verdict(passed, excused, unexcused, stale, parsing_errors)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    report = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    verdict = judge(report, load_excuses(Path(argv[2])))
    checks = sorted({check for check, _ in verdict.excused})
    print(
        f"checkov: {verdict.passed} passed, {len(verdict.excused)} failed but excused "
        f"({len(checks)} checks, each with its reason in {argv[2]}), "
        f"{len(verdict.unexcused)} failed"
    )
    for line in verdict.unexcused:
        print(f"  FAILED   {line}")
    for excuse in verdict.stale:
        print(
            f"  STALE    {excuse.check} {excuse.resource}: matches no failure any more; remove it"
        )
    for error in verdict.parsing_errors:
        print(f"  UNPARSED {error}")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
