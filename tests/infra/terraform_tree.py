"""terraform/ read as data: every directory parsed with python-hcl2, and just enough evaluation
to follow a reference (`local.x`, `each.value.y`, `merge(...)`, `module.m.out`, another part's
outputs through `terraform_remote_state`) to the literal it names. Whatever cannot be
followed comes back as `Opaque`, so a check can insist on what it must be able to see."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import hcl2
import yaml
from hcl2 import SerializationOptions

PART_NAME = re.compile(r"^\d{2}_[a-z][a-z0-9_]*$")
_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_REFERENCE = re.compile(r"^[a-z_][\w-]*(\.[\w-]+|\[[^\]]+\])*$")


# Parsing is the slow part (~2 s for the tree); the tests that change one file of a copy
# reparse only that file. Parsed blocks are never modified, so sharing them is safe.
_PARSED: dict[str, dict[str, Any]] = {}


def parse_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if text not in _PARSED:
        _PARSED[text] = _strip_markers(hcl2.loads(text, serialization_options=_OPTIONS))
    return _PARSED[text]


def _strip_markers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_markers(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_strip_markers(v) for v in value]
    return value


@dataclass(frozen=True)
class Opaque:
    """An expression these checks do not evaluate (a resource attribute, a function call)."""

    text: str


def expression(value: Any) -> str | None:
    """The inside of a value that is exactly one `${…}` interpolation, else None."""
    if not isinstance(value, str) or not value.startswith("${") or not value.endswith("}"):
        return None
    depth = 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(value) - 1:
                return None  # a template such as "${a}-${b}"
    return value[2:-1].strip()


def split_arguments(text: str) -> list[str]:
    """`a, f(b, c), {d = e}` → the three top-level arguments."""
    parts, depth, start, quoted = [], 0, 0, False
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    tail = text[start:].strip()
    return [*parts, tail] if tail else parts


def _path(reference: str) -> list[str]:
    """`module.section["tagger"].arn` → ["module", "section", "tagger", "arn"]."""
    pieces: list[str] = []
    for name, index in re.findall(r'\.?([\w-]+)|\[\s*"?([^"\]]+)"?\s*\]', reference):
        pieces.append(name or index)
    return pieces


@dataclass
class Directory:
    """A part (`terraform/NN_name`) or a shared module (`terraform/modules/name`)."""

    tree: Tree
    path: Path
    files: dict[Path, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.relative_to(self.tree.root).as_posix()

    @property
    def is_part(self) -> bool:
        return PART_NAME.match(self.path.name) is not None

    def _named(self, kind: str) -> Iterator[tuple[str, dict[str, Any], Path]]:
        for file, content in self.files.items():
            for block in content.get(kind, []):
                for name, body in block.items():
                    yield name, body, file

    def blocks(self, kind: str) -> Iterator[tuple[str, str, dict[str, Any], Path]]:
        """(type, name, body, file) of every `resource` or `data` block."""
        for file, content in self.files.items():
            for block in content.get(kind, []):
                for type_, named in block.items():
                    for name, body in named.items():
                        yield type_, name, body, file

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: body for t, name, body, _ in self.blocks("resource") if t == type_}

    def data(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: body for t, name, body, _ in self.blocks("data") if t == type_}

    @cached_property
    def variables(self) -> dict[str, dict[str, Any]]:
        return {name: body for name, body, _ in self._named("variable")}

    @cached_property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return {name: body for name, body, _ in self._named("output")}

    @cached_property
    def modules(self) -> dict[str, dict[str, Any]]:
        return {name: body for name, body, _ in self._named("module")}

    @cached_property
    def providers(self) -> list[tuple[str, dict[str, Any], Path]]:
        return list(self._named("provider"))

    @cached_property
    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for content in self.files.values():
            for block in content.get("locals", []):
                merged.update(block)
        return merged

    def module_directory(self, call: str) -> Directory:
        source = self.modules[call]["source"]
        return self.tree.directory((self.path / source).resolve())

    def remote_part(self, name: str) -> Directory:
        """The part a `terraform_remote_state` data source reads."""
        config = self.data("terraform_remote_state")[name]["config"]
        path = config["path"].replace("${path.module}", str(self.path))
        return self.tree.directory(Path(path).resolve().parent)

    # --- evaluation -----------------------------------------------------------------------

    def resolve(self, value: Any, bindings: dict[str, Any] | None = None) -> Any:
        """`value` with references followed as far as they go (see the module docstring)."""
        text = expression(value)
        if text is None:
            return value
        bindings = bindings or {}
        if text.startswith("merge(") and text.endswith(")"):
            merged: dict[str, Any] = {}
            for argument in split_arguments(text[len("merge(") : -1]):
                part = self.resolve("${" + argument + "}", bindings)
                if not isinstance(part, dict):
                    return Opaque(text)
                merged.update(part)
            return merged
        if not _REFERENCE.match(text):
            return Opaque(text)
        return self._follow(_path(text), bindings, text)

    def _follow(self, path: list[str], bindings: dict[str, Any], text: str) -> Any:
        head, rest = path[0], path[1:]
        current: Any
        if head == "local" and rest and rest[0] in self.locals:
            current, rest = self.resolve(self.locals[rest[0]], bindings), rest[1:]
        elif head == "each" and rest and f"each.{rest[0]}" in bindings:
            current, rest = bindings[f"each.{rest[0]}"], rest[1:]
        elif head == "var" and rest and "default" in self.variables.get(rest[0], {}):
            current, rest = self.variables[rest[0]]["default"], rest[1:]
        elif head == "data" and rest[:1] == ["terraform_remote_state"] and rest[2:3] == ["outputs"]:
            current, rest = RemoteOutputs(self.remote_part(rest[1])), rest[3:]
        elif head == "module" and rest and rest[0] in self.modules and len(rest) > 1:
            child = self.module_directory(rest[0])
            output = child.outputs[rest[1]]["value"]
            current, rest = child.resolve(output), rest[2:]
        else:
            return Opaque(text)
        for key in rest:
            if isinstance(current, RemoteOutputs):
                current = current.get(key)
            elif isinstance(current, dict) and key in current:
                current = self.resolve(current[key], bindings)
            else:
                return Opaque(text)
        return current.everything() if isinstance(current, RemoteOutputs) else current

    def number(self, value: Any, bindings: dict[str, Any] | None = None) -> float:
        """`value` as a number: literals, variables' defaults, locals, + - * /, tostring()."""
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        if isinstance(value, int | float):
            return value
        if isinstance(value, Opaque):
            raise ValueError(f"cannot evaluate {value.text!r}")
        text = expression(value)
        if text is None:
            return float(value)
        text = re.sub(r"^tostring\((.*)\)$", r"\1", text)

        def substitute(match: re.Match[str]) -> str:
            path = _path(match.group(0))
            if path[0] == "local" and len(path) == 2 and path[1] in self.locals:
                # The local's own expression, not its resolution: `6 * var.x` is arithmetic.
                return repr(self.number(self.locals[path[1]], bindings))
            return repr(self.number(self.resolve("${" + match.group(0) + "}", bindings), bindings))

        arithmetic = re.sub(r"\b(?:var|local|each)(?:\.[\w-]+)+", substitute, text)
        return _arithmetic(arithmetic)


_OPERATORS: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _arithmetic(text: str) -> float:
    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return float(_OPERATORS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"cannot evaluate {text!r}")

    return walk(ast.parse(text, mode="eval"))


@dataclass
class RemoteOutputs:
    """Another part's outputs, followed lazily (`local.foundation.kms_key_arn`)."""

    part: Directory

    def get(self, name: str) -> Any:
        if name not in self.part.outputs:
            return Opaque(f"{self.part.name} has no output {name}")
        return self.part.resolve(self.part.outputs[name]["value"])

    def everything(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.part.outputs}


class Tree:
    """Every directory of .tf files under `root`, parsed once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._directories: dict[Path, Directory] = {}
        for file in sorted(self.root.rglob("*.tf")):
            if ".terraform" in file.relative_to(self.root).parts:
                continue
            self.directory(file.parent).files[file] = parse_file(file)

    def directory(self, path: Path) -> Directory:
        path = path.resolve()
        if path not in self._directories:
            self._directories[path] = Directory(self, path)
        return self._directories[path]

    @property
    def directories(self) -> list[Directory]:
        return sorted(self._directories.values(), key=lambda d: d.name)

    @property
    def parts(self) -> list[Directory]:
        return [d for d in self.directories if d.is_part]

    def part(self, name: str) -> Directory:
        return self.directory(self.root / name)

    @cached_property
    def exceptions(self) -> dict[str, Any]:
        document = yaml.safe_load((self.root / "exceptions.yaml").read_text(encoding="utf-8"))
        return document or {}


def walk_strings(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every string in a parsed block, leaving out the values under keys in `skip`."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from walk_strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item, skip)
