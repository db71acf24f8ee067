"""An OpenAI-compatible `/v1/chat/completions` server (the shape vLLM, llama.cpp server, LM
Studio, Ollama and OpenAI itself speak): messages with tool calls and tool results, `tools`
with JSON schemas, `response_format` JSON schema, usage, streaming as server-sent events, and
the provider's error shapes (429 with Retry-After, 500, 401, 400)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.standins.chat import ChatRequest, Fault, Message, Script, ToolCall, ToolSpec, Turn
from tests.standins.server import Recorded, Reply, StandIn


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def parse(body: dict[str, Any]) -> ChatRequest:
    system: list[str] = []
    messages: list[Message] = []
    for raw in body["messages"]:
        role = raw["role"]
        if role in ("system", "developer"):
            system.append(_text(raw.get("content")))
        elif role == "tool":
            messages.append(Message("tool", _text(raw.get("content")), (), raw["tool_call_id"]))
        else:
            calls = tuple(
                ToolCall(
                    c["id"], c["function"]["name"], json.loads(c["function"]["arguments"] or "{}")
                )
                for c in raw.get("tool_calls") or []
            )
            messages.append(Message(role, _text(raw.get("content")), calls))
    tools = tuple(
        ToolSpec(
            t["function"]["name"],
            t["function"].get("description", ""),
            t["function"].get("parameters", {}),
        )
        for t in body.get("tools") or []
    )
    response_format = body.get("response_format") or {}
    schema = None
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"].get("schema", {})
    elif response_format.get("type") == "json_object":
        schema = {}
    return ChatRequest(body["model"], "\n".join(system), tuple(messages), tools, schema)


def _message(turn: Turn) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.text}
    if turn.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in turn.tool_calls
        ]
    return message


def _usage(turn: Turn) -> dict[str, int]:
    return {
        "prompt_tokens": turn.input_tokens,
        "completion_tokens": turn.output_tokens,
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }


def render(turn: Turn, model: str, stream: bool) -> Reply:
    finish = "tool_calls" if turn.tool_calls else "stop"
    base = {"id": f"chatcmpl-{time.monotonic_ns()}", "created": int(time.time()), "model": model}
    if not stream:
        return Reply.of_json(
            {
                **base,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": _message(turn), "finish_reason": finish}],
                "usage": _usage(turn),
            }
        )
    delta: dict[str, Any] = {"role": "assistant", "content": turn.text or ""}
    if turn.tool_calls:
        delta["tool_calls"] = [
            {"index": i, **call} for i, call in enumerate(_message(turn)["tool_calls"])
        ]
    chunks = [
        {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
        {"choices": [], "usage": _usage(turn)},
    ]
    body = "".join(
        f"data: {json.dumps({**base, 'object': 'chat.completion.chunk', **c})}\n\n" for c in chunks
    )
    return Reply(200, (body + "data: [DONE]\n\n").encode(), {"Content-Type": "text/event-stream"})


def render_fault(fault: Fault, hold: threading.Event) -> Reply:
    error = {"message": fault.message, "code": None, "param": None}
    if fault.kind == "throttle":
        headers = {"Retry-After": str(fault.retry_after or 0)}
        return Reply.of_json({"error": {**error, "type": "rate_limit_error"}}, 429, **headers)
    if fault.kind == "server_error":
        return Reply.of_json({"error": {**error, "type": "server_error"}}, 500)
    if fault.kind == "auth":
        return Reply.of_json(
            {"error": {**error, "type": "invalid_request_error", "code": "invalid_api_key"}}, 401
        )
    if fault.kind == "validation":
        return Reply.of_json({"error": {**error, "type": "invalid_request_error"}}, 400)
    if fault.kind == "malformed":
        return Reply(
            200, b'{"id": "chatcmpl-1", "choices": [', {"Content-Type": "application/json"}
        )
    if fault.kind == "hang":
        # Answered only once the test is over: the client's own timeout must fire first.
        body = json.dumps({"error": {**error, "type": "timeout"}}).encode()
        return Reply(504, body, {"Content-Type": "application/json"}, hold=hold)
    raise ValueError(f"unknown fault {fault.kind}")


class OpenAIStandIn(StandIn):
    """`base_url` is what `ALEX_MODEL_BASE_URL` points at (`…/v1`)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        # Set at teardown, so a held ("hang") answer never outlives its test.
        self.release = threading.Event()
        super().__init__(self._handle)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.recorded() if r.path.endswith("/chat/completions")]

    def _handle(self, recorded: Recorded) -> Reply:
        if recorded.method == "GET" and recorded.path.endswith("/models"):
            return Reply.of_json(
                {"object": "list", "data": [{"id": "stand-in", "object": "model"}]}
            )
        if not recorded.path.endswith("/chat/completions"):
            return Reply.of_json({"error": {"message": "not found"}}, 404)
        body = recorded.json()
        outcome = self.script(parse(body))
        if isinstance(outcome, Fault):
            return render_fault(outcome, self.release)
        return render(outcome, body["model"], bool(body.get("stream")))

    def close(self) -> None:
        self.release.set()
        super().close()
