"""Every function in the browser's views stays short enough to read at once: a screen is a state machine plus
small render functions (docs/developers/architecture.md, "A screen in the browser"), and this keeps it so.

The scripts are read with a small scanner that knows JavaScript's strings, template literals, comments and
regular expressions, so braces inside them are not mistaken for a function's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web" / "js"
LONGEST_VIEW_FUNCTION = 80

# After these a `/` starts a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_AFTER_WORDS = {"return", "typeof", "case", "do", "else", "in", "of", "void", "yield", "await"}
_WORD = re.compile(r"[\w$]+")
_NOT_A_FUNCTION = {"if", "for", "while", "switch", "catch", "with", "function"}


@dataclass(frozen=True)
class Function:
    name: str
    first_line: int
    last_line: int

    @property
    def lines(self) -> int:
        return self.last_line - self.first_line + 1


def _code_only(source: str) -> str:
    """The source with every string, template text, comment and regular expression blanked out (newlines
    kept, so line numbers stay), leaving the braces and parentheses that shape the code."""
    out = list(source)
    i, n = 0, len(source)
    templates: list[int] = []  # brace depth at which each open `${` of a template literal closes
    depth = 0
    last = ""  # the last significant character or word, to tell a regex from a division

    def blank(start: int, end: int) -> None:
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    def template_text(start: int) -> int:
        """Blanks template text from start up to the closing backtick or a `${`; answers where it stopped."""
        k = start
        while k < n:
            if source[k] == "\\":
                k += 2
                continue
            if source[k] == "`":
                blank(start, k + 1)
                return k + 1
            if source.startswith("${", k):
                blank(start, k)
                templates.append(depth)
                return k + 2
            k += 1
        raise ValueError("unterminated template literal")

    while i < n:
        c = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            blank(i, end)
            i = end
        elif c in "'\"":
            k = i + 1
            while source[k] != c:
                k += 2 if source[k] == "\\" else 1
            blank(i, k + 1)
            i, last = k + 1, "0"
        elif c == "`":
            i = template_text(i + 1)
            last = "0"
        elif c == "/" and (last in _REGEX_AFTER or last in _REGEX_AFTER_WORDS):
            k, in_class = i + 1, False
            while in_class or source[k] != "/":
                if source[k] == "\\":
                    k += 1
                elif source[k] == "[":
                    in_class = True
                elif source[k] == "]":
                    in_class = False
                k += 1
            k += 1
            while k < n and source[k].isalpha():
                k += 1
            blank(i, k)
            i, last = k, "0"
        elif c == "{":
            depth += 1
            i, last = i + 1, c
        elif c == "}":
            if templates and templates[-1] == depth:
                templates.pop()
                i = template_text(i + 1)
                last = "0"
                continue
            depth -= 1
            i, last = i + 1, c
        elif c.isalnum() or c in "_$":
            word = _WORD.match(source, i).group(0)  # type: ignore[union-attr]  # c starts a word
            i, last = i + len(word), word
        else:
            if not c.isspace():
                last = c
            i += 1
    return "".join(out)


def _name_before(code: str, at: int, line: int) -> str:
    """What a function starting at `at` is called: its declared name, the name it is assigned to, or where it is."""
    head = code[max(0, at - 200) : at]
    for pattern in (r"function\s*\*?\s*([\w$]+)\s*$", r"([\w$]+)\s*[:=]\s*(?:async\s+)?(?:function\s*)?$", r"([\w$]+)\s*$"):
        found = re.search(pattern, head)
        if found and found.group(1) not in _NOT_A_FUNCTION | {"async"}:
            return found.group(1)
    return f"<anonymous at line {line}>"


def functions_in(source: str) -> list[Function]:
    """Every function with a block body: declarations, expressions, arrows and methods, nested ones included."""
    code = _code_only(source)
    line_at = [0] * (len(code) + 1)
    line = 1
    for k, ch in enumerate(code):
        line_at[k] = line
        if ch == "\n":
            line += 1
    line_at[len(code)] = line

    closing: dict[int, int] = {}
    opening: dict[int, int] = {}
    stack: list[int] = []
    for k, ch in enumerate(code):
        if ch in "({":
            stack.append(k)
        elif ch in ")}":
            start = stack.pop()
            closing[start] = k
            opening[k] = start

    found = []
    for k, ch in enumerate(code):
        if ch != "{":
            continue
        before = code[:k].rstrip()
        if before.endswith("=>"):
            arrow_start = before[:-2].rstrip()
            if arrow_start.endswith(")"):
                start = opening[len(arrow_start) - 1]
            else:
                parameter = re.search(r"[\w$]+$", arrow_start)
                assert parameter, f"an arrow without parameters at line {line_at[k]}"
                start = len(arrow_start) - len(parameter.group(0))
            head = code[:start].rstrip()
            head = head[:-5].rstrip() if head.endswith("async") else head
            name = _name_before(code, len(head), line_at[start])
            name = name if re.search(r"[:=]\s*$", head) else f"<anonymous at line {line_at[start]}>"
        elif before.endswith(")"):
            start = opening[len(before) - 1]
            head = code[:start].rstrip()
            word = re.search(r"([\w$]+)\s*$", head)
            if not word or word.group(1) in _NOT_A_FUNCTION - {"function"}:
                continue
            if word.group(1) == "function":
                name = _name_before(code, len(head[: -len("function")]), line_at[start])
            else:
                name = _name_before(code, len(head), line_at[start])
        else:
            continue
        found.append(Function(name, line_at[start], line_at[closing[k]]))
    return found


def test_the_scanner_finds_each_kind_of_function_and_its_length() -> None:
    source = "\n".join(
        [
            "export async function payView(ctx) {",  # 1
            "  const text = `a } ${ctx.b ? `x { ${1}` : '}'} z`;",  # 2
            "  const re = /[}{]/g; // {",  # 3
            "  const go = async (event) => {",  # 4
            "    /* } */ return { a: 1 };",  # 5
            "  };",  # 6
            "  [1].map((x) => x * 2 / 1);",  # 7
            "  if (text) { return re; }",  # 8
            "  return { render() { return '{'; }, on: function () { } };",  # 9
            "}",  # 10
        ]
    )
    functions = {(f.name, f.first_line, f.last_line) for f in functions_in(source)}
    assert functions == {
        ("payView", 1, 10),
        ("go", 4, 6),
        ("render", 9, 9),
        ("on", 9, 9),
    }


def test_the_scanner_measures_a_long_function_as_long() -> None:
    body = "\n".join(f"  step{k}();" for k in range(85))
    (function,) = functions_in(f"function longView() {{\n{body}\n}}\n")
    assert (function.name, function.lines) == ("longView", 87)


@pytest.mark.parametrize(
    "script", sorted(WEB.glob("*.js")) + sorted((WEB / "views").glob("*.js")), ids=lambda p: p.relative_to(WEB).as_posix()
)
def test_every_script_can_be_read(script: Path) -> None:
    assert functions_in(script.read_text(encoding="utf-8")), f"{script.name} has no functions the scanner can see"


def _view_functions() -> list[tuple[str, Function]]:
    return [
        (script.name, function)
        for script in sorted((WEB / "views").glob("*.js"))
        for function in functions_in(script.read_text(encoding="utf-8"))
    ]


def test_no_function_in_a_view_is_over_80_lines() -> None:
    too_long = [
        f"{script}: {function.name} (lines {function.first_line}-{function.last_line}, {function.lines} lines)"
        for script, function in _view_functions()
        if function.lines > LONGEST_VIEW_FUNCTION
    ]
    assert not too_long, "A view's functions are a state machine and small render functions:\n" + "\n".join(too_long)
