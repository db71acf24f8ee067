"""What a chat model sees and says, independent of the wire format, and a scripted model that
behaves like a capable hosted one: it calls the tools it is given, reads their JSON answers,
and writes an answer that quotes their figures; asked for JSON, it answers the schema.

The wire stand-ins (`openai_chat.py`, `bedrock.py`) translate their own request shapes into a
`ChatRequest` and a `Turn` back into their response shapes, so every test scenario runs
unchanged through both."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    role: str  # user | assistant | tool
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    model: str
    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...]
    response_schema: dict[str, Any] | None

    @property
    def agent(self) -> str:
        """Which Alex agent is asking, read from its instructions ("You are the tagger …")."""
        match = re.search(r"You are the (\w+)", self.system)
        return match.group(1) if match else "unknown"

    def tool_results_since_user(self) -> list[tuple[str, str]]:
        """(tool name, output) for the tool answers after the last user message."""
        names: dict[str, str] = {}
        results: list[tuple[str, str]] = []
        for message in self.messages:
            if message.role == "user":
                names.clear()
                results.clear()
            for call in message.tool_calls:
                names[call.id] = call.name
            if message.role == "tool" and message.tool_call_id is not None:
                results.append((names.get(message.tool_call_id, "?"), message.text))
        return results

    def last_user_text(self) -> str:
        return next((m.text for m in reversed(self.messages) if m.role == "user"), "")


@dataclass(frozen=True)
class Turn:
    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Fault:
    """A failure the wire stand-in renders in its own format (429 with Retry-After, 500, a
    body that is not JSON, a provider validation error, an answer held past a timeout)."""

    kind: str  # throttle | server_error | malformed | validation | auth | hang
    message: str = "scripted failure"
    retry_after: float | None = None


Script = Callable[[ChatRequest], "Turn | Fault"]


def fenced_json(text: str) -> Iterator[Any]:
    """The JSON data blocks of a prompt, in order."""
    for block in re.findall(r"```json\n(.*?)\n```", text, flags=re.DOTALL):
        yield json.loads(block)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


# --- a capable model, scripted -------------------------------------------------------------

_MONEY_KEYS = re.compile(r"(^|_)(value|cash|income|contribution|amount|total|invested)(_|$)")
_PCT_KEYS = re.compile(r"_pct$")


def _figures(payload: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(payload, dict):
        for key, value in payload.items():
            yield from _figures(value, key)
    elif isinstance(payload, list):
        for item in payload[:3]:
            yield from _figures(item, prefix)
    elif isinstance(payload, (int, float)) and not isinstance(payload, bool) and prefix:
        yield prefix, float(payload)


def quoted_figures(outputs: list[tuple[str, str]], limit: int = 6) -> list[str]:
    """Sentences that quote figures exactly as a careful model would: money as dollars, `_pct`
    fields as percentages, each taken from a tool's answer."""
    lines: list[str] = []
    for tool, output in outputs:
        try:
            payload = json.loads(output)
        except json.JSONDecodeError:
            continue
        for key, value in _figures(payload):
            label = key.replace("_", " ")
            if _PCT_KEYS.search(key):
                lines.append(f"- The {label.removesuffix(' pct')} is {value:.1f}% ({tool}).")
            elif _MONEY_KEYS.search(key) and value >= 1:
                lines.append(f"- The {label} is ${value:,.0f} ({tool}).")
            if len(lines) >= limit:
                return lines
    return lines


def _tool_arguments(spec: ToolSpec) -> dict[str, Any]:
    """Arguments a model would pass: the required ones, with sensible values by type."""
    properties: dict[str, Any] = spec.parameters.get("properties", {})
    arguments: dict[str, Any] = {}
    for name in spec.parameters.get("required", []):
        kind = properties.get(name, {}).get("type")
        arguments[name] = {
            "integer": 2,
            "number": 5000.0,
            "string": "diversification and rebalancing",
            "boolean": False,
        }.get(kind)
    return arguments


def _tagger_answer(request: ChatRequest) -> dict[str, Any]:
    instrument = next(iter(fenced_json(request.last_user_text())), {})
    return {
        "known": True,
        "reason": f"{instrument.get('name', 'The fund')} tracks a broad US equity index.",
        "classification": {
            "name": instrument.get("name") or "Unknown fund",
            "instrument_type": instrument.get("instrument_type") or "etf",
            "allocation_asset_class": {"equity": 100},
            "allocation_regions": {"north_america": 100},
            "allocation_sectors": {
                "technology": 30,
                "healthcare": 15,
                "financials": 15,
                "other": 40,
            },
        },
    }


def _charter_answer(request: ChatRequest) -> dict[str, Any]:
    data = next(iter(fenced_json(request.last_user_text())), {})
    keys = [item["key"] for item in data.get("charts", []) if item.get("points")]
    return {
        "charts": [
            {"key": key, "title": key.replace("_", " ").capitalize(), "description": "As computed."}
            for key in keys[:5]
        ]
    }


def schema_instance(schema: dict[str, Any]) -> Any:
    """The simplest value a JSON schema accepts (for a schema no Alex agent sends: a probe)."""
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: schema_instance(properties[name]) for name in schema.get("required", [])}
    return {"boolean": True, "string": "ok", "number": 1, "integer": 1, "array": []}.get(str(kind))


def capable_model(request: ChatRequest) -> Turn | Fault:
    """Tools first (every tool once), then an answer quoting what they returned; JSON when a
    schema is asked for."""
    prompt_tokens = _tokens(request.system + "".join(m.text for m in request.messages))
    if request.response_schema is not None:
        if request.agent == "tagger":
            answer = _tagger_answer(request)
        elif request.agent == "charter":
            answer = _charter_answer(request)
        else:
            answer = schema_instance(request.response_schema)
        text = json.dumps(answer)
        return Turn(text=text, input_tokens=prompt_tokens, output_tokens=_tokens(text))
    results = request.tool_results_since_user()
    called = {name for name, _ in results}
    pending = [spec for spec in request.tools if spec.name not in called]
    if pending and not results:
        calls = tuple(
            ToolCall(f"call_{i}_{spec.name}", spec.name, _tool_arguments(spec))
            for i, spec in enumerate(pending)
        )
        return Turn(tool_calls=calls, input_tokens=prompt_tokens, output_tokens=20 * len(calls))
    lines = quoted_figures(results) or ["- The tools returned no figures to quote."]
    text = f"## {request.agent.capitalize()} notes\n\n" + "\n".join(lines)
    return Turn(text=text, input_tokens=prompt_tokens, output_tokens=_tokens(text))


@dataclass
class ScriptedModel:
    """`capable_model` unless a test queued faults or turns for the next requests (optionally
    only for one agent)."""

    queued: list[tuple[str | None, Turn | Fault]] = field(default_factory=list)
    default: Script = capable_model
    seen: list[ChatRequest] = field(default_factory=list)
    # Specialists run concurrently, so requests arrive on several server threads.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def queue(self, *replies: Turn | Fault, agent: str | None = None) -> None:
        self.queued.extend((agent, reply) for reply in replies)

    def __call__(self, request: ChatRequest) -> Turn | Fault:
        with self._lock:
            self.seen.append(request)
            for index, (agent, reply) in enumerate(self.queued):
                if agent is None or agent == request.agent:
                    del self.queued[index]
                    return reply
        return self.default(request)
