"""A Bedrock Runtime Converse stand-in: `POST /model/{modelId}/converse`, as documented in the
Bedrock API reference (Converse): `system`, `messages` of content blocks (`text`, `toolUse`,
`toolResult`), `toolConfig.tools[].toolSpec` with `inputSchema.json`, native structured output
(`outputConfig.textFormat`), `usage`, and errors as status + `x-amzn-ErrorType` + `{"message"}`.

LiteLLM's `bedrock/` provider reaches it through `aws_bedrock_runtime_endpoint`; it signs
requests with SigV4, which the stand-in checks is present (not verified: no secret here).
Like the real service, a request that combines tools with structured output is refused with a
`ValidationException`, and a model id the account cannot call on demand gets the
inference-profile message."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import unquote

from tests.standins.chat import ChatRequest, Fault, Message, Script, ToolCall, ToolSpec, Turn
from tests.standins.server import Recorded, Reply, StandIn

# LiteLLM's synthetic tool for response_format on models without native structured output.
JSON_TOOL = "json_tool_call"

ON_DEMAND_UNSUPPORTED = (
    "Invocation of model ID {model} with on-demand throughput isn't supported. Retry your "
    "request with the ID or ARN of an inference profile that contains this model."
)


def _block_text(blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"])
        elif "json" in block:
            parts.append(json.dumps(block["json"]))
    return "".join(parts)


def parse(model: str, body: dict[str, Any]) -> tuple[ChatRequest, bool]:
    """The neutral request, and whether structured output came as LiteLLM's JSON tool."""
    messages: list[Message] = []
    for raw in body["messages"]:
        texts: list[str] = []
        calls: list[ToolCall] = []
        for block in raw["content"]:
            if "text" in block:
                texts.append(block["text"])
            elif "toolUse" in block:
                use = block["toolUse"]
                calls.append(ToolCall(use["toolUseId"], use["name"], use.get("input") or {}))
            elif "toolResult" in block:
                result = block["toolResult"]
                messages.append(
                    Message("tool", _block_text(result["content"]), (), result["toolUseId"])
                )
        if texts or calls:
            messages.append(Message(raw["role"], "".join(texts), tuple(calls)))
    specs = [
        t["toolSpec"] for t in (body.get("toolConfig") or {}).get("tools", []) if "toolSpec" in t
    ]
    tools = tuple(
        ToolSpec(s["name"], s.get("description", ""), s["inputSchema"]["json"])
        for s in specs
        if s["name"] != JSON_TOOL
    )
    json_tool = next((s for s in specs if s["name"] == JSON_TOOL), None)
    schema: dict[str, Any] | None = None
    native = (body.get("outputConfig") or {}).get("textFormat")
    if native is not None:
        schema = json.loads(native["structure"]["jsonSchema"]["schema"])
    elif json_tool is not None:
        schema = json_tool["inputSchema"]["json"]
    system = "\n".join(block.get("text", "") for block in body.get("system") or [])
    return ChatRequest(model, system, tuple(messages), tools, schema), json_tool is not None


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply(
        status,
        json.dumps({"message": message}).encode(),
        {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        },
    )


def render_fault(fault: Fault, hold: threading.Event) -> Reply:
    if fault.kind == "throttle":
        return _error(
            429, "ThrottlingException", "Too many requests, please wait before trying again."
        )
    if fault.kind == "server_error":
        return _error(500, "InternalServerException", fault.message)
    if fault.kind == "validation":
        return _error(400, "ValidationException", fault.message)
    if fault.kind == "auth":
        return _error(
            403,
            "AccessDeniedException",
            f"You don't have access to the model with the specified model ID. {fault.message}",
        )
    if fault.kind == "malformed":
        return Reply(200, b'{"output": {"message": ', {"Content-Type": "application/json"})
    if fault.kind == "hang":
        return Reply(503, b"{}", {"Content-Type": "application/json"}, hold=hold)
    raise ValueError(f"unknown fault {fault.kind}")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def render(turn: Turn, as_json_tool: bool) -> Reply:
    """A model that answers prose where JSON was asked for ignores the JSON tool: it comes
    back as a text block, as from the real service."""
    content: list[dict[str, Any]] = []
    stop = "end_turn"
    if as_json_tool and turn.text is not None and _is_json(turn.text):
        # Models without native structured output answer through the synthetic tool.
        content.append(
            {
                "toolUse": {
                    "toolUseId": "tooluse_json",
                    "name": JSON_TOOL,
                    "input": json.loads(turn.text),
                }
            }
        )
        stop = "tool_use"
    elif turn.text is not None:
        content.append({"text": turn.text})
    for call in turn.tool_calls:
        content.append(
            {"toolUse": {"toolUseId": call.id, "name": call.name, "input": call.arguments}}
        )
        stop = "tool_use"
    return Reply.of_json(
        {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {
                "inputTokens": turn.input_tokens,
                "outputTokens": turn.output_tokens,
                "totalTokens": turn.input_tokens + turn.output_tokens,
            },
            "metrics": {"latencyMs": 1},
        }
    )


class BedrockStandIn(StandIn):
    """`endpoint` is what `ALEX_BEDROCK_ENDPOINT_URL` (LiteLLM's `aws_bedrock_runtime_endpoint`)
    points at. `on_demand_only` lists model ids that, like Nova in most regions, must be called
    through a cross-region inference profile (`us.…`)."""

    def __init__(self, script: Script, *, needs_profile: tuple[str, ...] = ()) -> None:
        self.script = script
        self.needs_profile = needs_profile
        self.release = threading.Event()
        super().__init__(self._handle)

    @property
    def endpoint(self) -> str:
        return self.url

    def converse_requests(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (unquote(r.path.split("/")[2]), r.json())
            for r in self.recorded()
            if r.path.endswith("/converse")
        ]

    def _handle(self, recorded: Recorded) -> Reply:
        parts = recorded.path.split("/")
        if (
            recorded.method != "POST"
            or len(parts) != 4
            or parts[1] != "model"
            or parts[3] != "converse"
        ):
            return _error(404, "UnknownOperationException", f"no operation at {recorded.path}")
        if not recorded.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 "):
            return _error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        model = unquote(parts[2])
        if model in self.needs_profile:
            return _error(400, "ValidationException", ON_DEMAND_UNSUPPORTED.format(model=model))
        body = recorded.json()
        request, as_json_tool = parse(model, body)
        if request.response_schema is not None and request.tools:
            return _error(
                400,
                "ValidationException",
                "This model doesn't support the toolConfig and structured output together.",
            )
        outcome = self.script(request)
        if isinstance(outcome, Fault):
            return render_fault(outcome, self.release)
        return render(outcome, as_json_tool)

    def close(self) -> None:
        self.release.set()
        super().close()
