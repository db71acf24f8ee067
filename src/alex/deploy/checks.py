"""Prerequisites, checked before anything is created: each problem comes with its fix."""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient
    from mypy_boto3_sts import STSClient

# Cross-region inference profiles put a geography in front of the model id.
_PROFILE_PREFIX = re.compile(r"^(us|eu|apac|us-gov|global|jp|au|ca)\.")


def tool_problems(tools: dict[str, str]) -> list[str]:
    """`tools` maps a command to how to install it."""
    return [
        f"{command} is not on PATH: {install}"
        for command, install in tools.items()
        if shutil.which(command) is None
    ]


def credentials_problem(sts: STSClient) -> tuple[str | None, str | None]:
    """(account id, None) when AWS credentials work, else (None, what to do)."""
    try:
        identity = sts.get_caller_identity()
    except NoCredentialsError:
        return None, (
            "no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE "
            "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    except (ClientError, BotoCoreError) as exc:
        return None, f"AWS credentials were refused ({exc}): check AWS_PROFILE and its keys"
    return identity["Account"], None


def bedrock_model(litellm_id: str) -> str | None:
    """The Bedrock model or inference profile id in a LiteLLM id, or None for another
    provider (`bedrock/converse/us.amazon.nova-pro-v1:0` → `us.amazon.nova-pro-v1:0`)."""
    if not litellm_id.startswith("bedrock/"):
        return None
    model = litellm_id.removeprefix("bedrock/")
    for route in ("converse/", "invoke/"):
        model = model.removeprefix(route)
    return model


def bedrock_problems(bedrock: BedrockClient, region: str, litellm_ids: list[str]) -> list[str]:
    """Whether each Bedrock model can be called from this account in `region`, and the exact
    fix when not: model access not granted, a model that only answers through an inference
    profile (the `us.` trap), a profile that does not exist here."""
    problems: list[str] = []
    access_page = (
        f"https://{region}.console.aws.amazon.com/bedrock/home?region={region}#/modelaccess"
    )
    for litellm_id in dict.fromkeys(litellm_ids):
        model = bedrock_model(litellm_id)
        if model is None:
            continue
        base = _PROFILE_PREFIX.sub("", model)
        try:
            if base != model:
                bedrock.get_inference_profile(inferenceProfileIdentifier=model)
            else:
                details = bedrock.get_foundation_model(modelIdentifier=base)["modelDetails"]
                kinds = details.get("inferenceTypesSupported", [])
                if "ON_DEMAND" not in kinds and "INFERENCE_PROFILE" in kinds:
                    geography = "eu" if region.startswith("eu-") else "us"
                    problems.append(
                        f"{base} answers only through an inference profile: use "
                        f"`bedrock/{geography}.{base}` instead of `{litellm_id}`"
                    )
                    continue
            availability = bedrock.get_foundation_model_availability(modelId=base)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"ResourceNotFoundException", "ValidationException"}:
                problems.append(
                    f"{model} is not a Bedrock model or inference profile in {region}: see "
                    f"`aws bedrock list-inference-profiles --region {region}` and "
                    f"`aws bedrock list-foundation-models --region {region}`"
                )
                continue
            raise
        if availability.get("regionAvailability") == "NOT_AVAILABLE":
            problems.append(f"{base} is not offered in {region}: choose another region or model")
        elif (
            availability.get("authorizationStatus") != "AUTHORIZED"
            or availability.get("entitlementAvailability") != "AVAILABLE"
            or availability.get("agreementAvailability", {}).get("status") != "AVAILABLE"
        ):
            problems.append(
                f"this account has no access to {base} in {region}: open {access_page}, "
                f"choose 'Modify model access', enable {base} and submit (some providers ask "
                "for a use case first)"
            )
    return problems


def model_regions(bedrock: BedrockClient, region: str, litellm_id: str) -> list[str]:
    """The regions a Bedrock model id sends requests to: those of the inference profile's
    models (from the profile itself), or `region` for a model called on demand."""
    model = bedrock_model(litellm_id)
    if model is None or _PROFILE_PREFIX.sub("", model) == model:
        return [region]
    profile = bedrock.get_inference_profile(inferenceProfileIdentifier=model)
    return sorted({entry["modelArn"].split(":")[3] for entry in profile["models"]})
