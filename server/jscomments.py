"""Whole-line ``//`` comments out of the app's JavaScript as it is served: the source keeps its
documentation, the phone does not download it (about 7 KB of the 60 KB shell, gzipped).

Only a line that is nothing but a ``//`` comment, at code level, is blanked (kept as an empty line,
so a stack trace's line numbers still point into the source). To know a line starts at code level
the scanner follows strings, template literals (with ``${…}`` nesting), block comments and regular
expression literals; a line inside a template literal or a block comment is never touched. Trailing
comments after code and ``/* … */`` stay: they are few, and a mistake there could change the code.
"""

from __future__ import annotations

import re

# After one of these (or at the start), a ``/`` begins a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_WORDS = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else"}
_WORD = re.compile(r"[A-Za-z_$][\w$]*$")


def strip_comment_lines(source: str) -> str:
    out: list[str] = []
    stack: list[str] = []  # "`" inside a template; "{" a ${ } or plain brace inside one
    i, n = 0, len(source)
    line_start = True
    last = ""  # the last significant code character (or word) before a "/"
    while i < n:
        if line_start and stack[-1:] != ["`"]:
            j = i
            while j < n and source[j] in " \t":
                j += 1
            if source.startswith("//", j):
                end = source.find("\n", j)
                end = n if end < 0 else end
                i = end  # the newline itself is kept
                line_start = False
                continue
        line_start = False
        c = source[i]
        top = stack[-1] if stack else ""
        if top == "`":
            if c == "\\":
                out.append(source[i : i + 2])
                i += 2
                continue
            if c == "`":
                stack.pop()
                last = "`"
            elif source.startswith("${", i):
                stack.append("${")
                out.append("${")
                i += 2
                last = "{"
                continue
            out.append(c)
            i += 1
            continue
        if c == "\n":
            out.append(c)
            i += 1
            line_start = True
            continue
        if c in "'\"":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out.append(source[i : j + 1])
            i = j + 1
            last = c
            continue
        if c == "`":
            stack.append("`")
            out.append(c)
            i += 1
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(source[i:end])
            i = end
            continue
        if source.startswith("//", i):  # a comment after code: kept, up to the end of its line
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append(source[i:end])
            i = end
            continue
        if c == "/" and (last in _REGEX_AFTER or last in _REGEX_WORDS):
            j, in_class = i + 1, False
            while j < n and source[j] != "\n":
                ch = source[j]
                if ch == "\\":
                    j += 2
                    continue
                if ch == "[":
                    in_class = True
                elif ch == "]":
                    in_class = False
                elif ch == "/" and not in_class:
                    break
                j += 1
            out.append(source[i : j + 1])
            i = j + 1
            last = "/re"
            continue
        if c == "{":
            stack.append("{")
        elif c == "}" and stack:
            stack.pop()
        out.append(c)
        i += 1
        if not c.isspace():
            if c.isalnum() or c in "_$":
                word = _WORD.search("".join(out[-20:]))
                last = word.group(0) if word else c
            else:
                last = c
    return "".join(out)
