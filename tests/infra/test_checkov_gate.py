"""The gate `make infra` puts after checkov: a failure passes only when terraform/exceptions.yaml
excuses that check for that resource, and an excuse nothing needs any more is an error."""

from __future__ import annotations

from pathlib import Path

from tests.infra.checkov_gate import Excuse, judge, load_excuses

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"


def _report(*failed: tuple[str, str]) -> dict[str, object]:
    return {
        "check_type": "terraform",
        "results": {
            "passed_checks": [{"check_id": "CKV_AWS_7", "resource": "aws_kms_key.app"}],
            "failed_checks": [
                {"check_id": check, "resource": resource, "file_path": "/x.tf", "check_name": "n"}
                for check, resource in failed
            ],
            "parsing_errors": [],
        },
    }


EXCUSES = [
    Excuse("CKV_AWS_117", "module.*.aws_lambda_function.this", "outside a VPC on purpose"),
    Excuse("CKV_AWS_309", 'aws_apigatewayv2_route.api["ANY /api/{proxy+}"]', "the app checks"),
]


def test_excused_failures_pass() -> None:
    verdict = judge(
        _report(
            ("CKV_AWS_117", "module.api.aws_lambda_function.this"),
            ("CKV_AWS_117", 'module.section["tagger"].aws_lambda_function.this'),
            ("CKV_AWS_309", 'aws_apigatewayv2_route.api["ANY /api/{proxy+}"]'),
        ),
        EXCUSES,
    )
    assert verdict.ok
    assert (verdict.passed, len(verdict.excused)) == (1, 3)


def test_an_unexcused_failure_fails() -> None:
    verdict = judge(
        _report(
            ("CKV_AWS_117", "module.api.aws_lambda_function.this"),
            ("CKV_AWS_309", 'aws_apigatewayv2_route.api["GET /health"]'),
            ("CKV_AWS_7", "aws_kms_key.app"),
        ),
        EXCUSES,
    )
    assert not verdict.ok
    assert [line.split()[0] for line in verdict.unexcused] == ["CKV_AWS_309", "CKV_AWS_7"]


def test_an_excuse_nothing_needs_fails() -> None:
    verdict = judge(_report(("CKV_AWS_117", "module.api.aws_lambda_function.this")), EXCUSES)
    assert not verdict.ok
    assert [excuse.check for excuse in verdict.stale] == ["CKV_AWS_309"]


def test_a_parsing_error_fails() -> None:
    report = _report()
    report["results"]["parsing_errors"] = ["/01_foundation/main.tf"]  # type: ignore[index]
    assert not judge(report, []).ok


def test_every_listed_excuse_has_a_reason() -> None:
    excuses = load_excuses(TERRAFORM / "exceptions.yaml")
    assert excuses
    assert all(len(excuse.reason) > 40 for excuse in excuses)
