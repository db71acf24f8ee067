"""The offline analyst: a deterministic model behind the Agents SDK `Model` interface.

It plugs into the same runtime as a hosted model, so the default run exercises the real
pipeline: on its first turn it asks for the agent's tools (a plan per agent), the SDK runs
them, and on the next turn it reads their JSON results back out of the input items and writes
the section from them with the agent's templates. It never touches the network and never
invents a figure: every number it writes was in a tool result or in the task's data block."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from agents import Model, ModelResponse, ModelSettings, ModelTracing, Tool, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam

MAX_TOOL_CALLS = 12


@dataclass(frozen=True)
class ToolResult:
    name: str
    arguments: dict[str, Any]
    output: Any  # the parsed JSON the tool returned (or its raw text)


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.name + json.dumps(self.arguments, sort_keys=True)


@dataclass(frozen=True)
class OfflineTurn:
    """What the offline analyst sees on one turn."""

    task: str
    results: list[ToolResult]
    tool_names: list[str]
    structured: bool

    def result(self, name: str) -> Any:
        """The output of the last call to `name` (None if it was not called)."""
        for item in reversed(self.results):
            if item.name == name:
                return item.output
        return None

    def data_block(self) -> Any:
        """The JSON fenced in the task as ```json … ``` (structured agents' input data)."""
        start = self.task.find("```json")
        if start < 0:
            return None
        end = self.task.find("```", start + 7)
        return json.loads(self.task[start + 7 : end if end > 0 else None])


OfflineWrite = Callable[[OfflineTurn], str]
OfflinePlan = Callable[[OfflineTurn], list[PlannedCall]]


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(_field(part, "text") or "") for part in content)
    return ""


def _parse(output: Any) -> Any:
    text = _text_of(output)
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_turn(
    input: str | list[TResponseInputItem], tools: list[Tool], structured: bool
) -> tuple[OfflineTurn, set[str]]:
    """Split the SDK's input items into the task text and the tool results so far."""
    tool_names = [t.name for t in tools]
    if isinstance(input, str):
        return OfflineTurn(input, [], tool_names, structured), set()
    task_parts: list[str] = []
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    order: list[str] = []
    outputs: dict[str, Any] = {}
    for item in input:
        kind = _field(item, "type")
        if kind == "function_call":
            call_id = str(_field(item, "call_id"))
            arguments = json.loads(_field(item, "arguments") or "{}")
            calls[call_id] = (str(_field(item, "name")), arguments)
            order.append(call_id)
        elif kind == "function_call_output":
            outputs[str(_field(item, "call_id"))] = _parse(_field(item, "output"))
        elif _field(item, "role") == "user":
            task_parts.append(_text_of(_field(item, "content")))
    results = [
        ToolResult(calls[cid][0], calls[cid][1], outputs[cid]) for cid in order if cid in outputs
    ]
    made = {PlannedCall(calls[cid][0], calls[cid][1]).key for cid in order}
    return OfflineTurn("\n".join(task_parts), results, tool_names, structured), made


class OfflineAnalyst(Model):
    """Deterministic `Model`: plan tool calls, then write from their results."""

    def __init__(self, *, write: OfflineWrite, plan: OfflinePlan | None = None) -> None:
        self._write = write
        self._plan = plan
        self.turns = 0

    def _respond(
        self,
        input: str | list[TResponseInputItem],
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
    ) -> list[TResponseOutputItem]:
        structured = output_schema is not None and not output_schema.is_plain_text()
        turn, made = read_turn(input, tools, structured)
        self.turns += 1
        if self._plan is not None and tools and len(turn.results) < MAX_TOOL_CALLS:
            available = set(turn.tool_names)
            calls = [c for c in self._plan(turn) if c.name in available and c.key not in made]
            if calls:
                return [
                    ResponseFunctionToolCall(
                        id=f"offline-{len(made) + i}",
                        call_id=f"offline-{len(made) + i}-{call.name}",
                        type="function_call",
                        name=call.name,
                        arguments=json.dumps(call.arguments, sort_keys=True),
                    )
                    for i, call in enumerate(calls)
                ]
        text = self._write(turn)
        return [
            ResponseOutputMessage(
                id=f"offline-message-{self.turns}",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(text=text, type="output_text", annotations=[])],
            )
        ]

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        output = self._respond(input, tools, output_schema)
        return ModelResponse(output=output, usage=Usage(requests=1), response_id=None)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        output = self._respond(input, tools, output_schema)
        response = Response(
            id=f"offline-{self.turns}",
            created_at=0,
            model="offline",
            object="response",
            output=output,
            tool_choice="auto",
            tools=[],
            top_p=None,
            parallel_tool_calls=True,
            status="completed",
        )
        yield ResponseCompletedEvent(
            type="response.completed", response=response, sequence_number=0
        )
