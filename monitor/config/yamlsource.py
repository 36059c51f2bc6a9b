"""Read YAML into plain Python values while remembering where each value came from.

PyYAML's composed node tree carries line and column marks; we walk it ourselves so that
(1) every key path maps to its position for located error messages, (2) duplicate keys are
errors instead of silently overwriting, and (3) ``${VAR}`` / ``${VAR:-default}`` are
substituted in every string, with a missing variable reported at its own position.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from monitor.errors import ConfigError

Path = tuple[str | int, ...]

# libyaml when present: 4x faster on a 1,000-source file, with the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Located:
    """The loaded document plus the (line, column) of every value and key, 1-based."""

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int] | None:
        """Position of ``path`` (its key when ``key``), else of its nearest known parent."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return None

    def error(self, path: Path, message: str, *, key: bool = False) -> ConfigError:
        pos = self.where(path, key=key)
        return ConfigError(
            message,
            file=self.file,
            line=pos[0] if pos else None,
            column=pos[1] if pos else None,
            path=format_path(path) or None,
        )


def format_path(path: Path) -> str:
    """``("sources", 2, "interval")`` → ``sources[2].interval``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}``; ``$$`` is a literal ``$``.

    Raises KeyError(name) for a missing variable without a default.
    """

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(2)
        value = env.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                raise KeyError(name)
            return default
        return value

    return _VAR.sub(repl, text)


def load_located(text: str, file: str, env: Mapping[str, str] | None = None) -> Located:
    """Parse ``text``; raise a located ConfigError for syntax errors, duplicates, missing vars."""
    env = os.environ if env is None else env
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError(
            f"invalid YAML: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:  # a control character, a bad byte: no mark
        before = text[: exc.position]
        raise ConfigError(
            f"invalid YAML: character U+{int(exc.character):04X} is not allowed",
            file=file,
            line=before.count("\n") + 1,
            column=exc.position - (before.rfind("\n") + 1) + 1,
        ) from None
    except RecursionError:  # PyYAML composes recursively: "[[[[…" thousands deep
        raise ConfigError("invalid YAML: nested too deeply", file=file, line=1, column=1) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"invalid YAML: {first}", file=file, line=1, column=1) from None
    located = Located(data=None, file=file)
    scalars = yaml.SafeLoader("")
    try:
        located.data = {} if root is None else _walk(root, (), located, scalars, env)
    except RecursionError:  # an alias inside its own anchor, or absurd nesting
        assert root is not None  # only a document walks
        raise ConfigError(
            "invalid YAML: nested too deeply (an alias inside its own anchor?)",
            file=file,
            line=root.start_mark.line + 1,
            column=root.start_mark.column + 1,
        ) from None
    return located


MAX_VALUES = 100_000  # aliases can make a small file expand without end ("billion laughs")


def _walk(node: yaml.Node, path: Path, loc: Located, scalars: yaml.SafeLoader, env) -> Any:
    loc.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if len(loc.values) > MAX_VALUES:
        raise loc.error(path, f"more than {MAX_VALUES} values (aliases expanding?)")
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _walk(key_node, (*path, "<key>"), loc, scalars, env)
            if not isinstance(key, str | int | float | bool):
                raise loc.error(path, "keys must be plain strings")
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in out:
                loc.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise loc.error(child, f"duplicate key '{key}'", key=True)
            loc.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _walk(value_node, child, loc, scalars, env)
        loc.values.pop((*path, "<key>"), None)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), loc, scalars, env) for i, item in enumerate(node.value)]
    try:
        value = scalars.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:  # !!python/… tags, 2024-02-31
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise loc.error(path, f"invalid value: {problem}") from None
    if isinstance(value, str) and "$" in value:
        try:
            value = substitute(value, env)
        except KeyError as missing:
            name = missing.args[0]
            raise loc.error(
                path, f"environment variable {name} is not set (or write ${{{name}:-default}})"
            ) from None
    return value
