"""Draw docs/review-sample.png: sample-vault's weekly review note, rendered the way Obsidian and
GitHub show it (its Mermaid charts drawn by Mermaid itself), in headless Chromium.

    python docs/make_review_picture.py [--today 2026-11-25]

Needs node's Mermaid (MERMAID_DIR, else .ci/node, as `bash .ci/run` installs it) and a
Chromium (`apt-get install chromium`). The Markdown-to-HTML step only knows what the review
note uses: headings, paragraphs, lists, tables, code fences."""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
STYLE = """
body { font: 15px/1.5 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 900px; margin: 24px auto; padding: 0 24px; }
h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d0d7de; padding: 4px 12px; }
tr:nth-child(2n) td { background: #f6f8fa; }
.props { font: 13px monospace; background: #f6f8fa; padding: 8px 12px; border-radius: 6px; }
a.internal { color: #7c3aed; text-decoration: none; }
code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; }
"""


def inline(text: str) -> str:
    """Escape, then turn [[links]], `code` and **bold** into HTML."""
    out = html.escape(text, quote=False).replace("\\|", "|")

    def wikilink(match: re.Match[str]) -> str:
        target, _, shown = match[1].partition("|")
        return f'<a class="internal">{shown or target}</a>'

    out = re.sub(r"\[\[(.+?)\]\]", wikilink, out)
    out = re.sub(r"`(.+?)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)


def to_html(markdown: str) -> str:
    """The review note's Markdown as HTML (front matter shown as Obsidian's properties box)."""
    _, front, body = markdown.split("---\n", 2)
    parts = [f'<div class="props">{html.escape(front).replace(chr(10), "<br>")}</div>']
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```mermaid"):
            end = lines.index("```", i)
            parts.append(f'<pre class="mermaid">{html.escape(chr(10).join(lines[i + 1 : end]))}</pre>')
            i = end + 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            parts.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            cells = [re.split(r"(?<!\\)\|", row.strip("|")) for row in rows]
            head = "".join(f"<th>{inline(c.strip())}</th>" for c in cells[0])
            body_rows = "".join(
                "<tr>" + "".join(f"<td>{inline(c.strip())}</td>" for c in row) + "</tr>" for row in cells[2:]
            )
            parts.append(f"<table><tr>{head}</tr>{body_rows}</table>")
        elif line.lstrip().startswith("- "):
            items = []
            while i < len(lines) and lines[i].lstrip().startswith("- "):
                depth = (len(lines[i]) - len(lines[i].lstrip())) // 2
                items.append(f'<li style="margin-left:{depth * 24}px">{inline(lines[i].lstrip()[2:])}</li>')
                i += 1
            parts.append("<ul>" + "".join(items) + "</ul>")
        elif line.strip():
            parts.append(f"<p>{inline(line)}</p>")
            i += 1
        else:
            i += 1
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", default="2026-11-25")
    parser.add_argument("--out", default=str(REPO / "docs" / "review-sample.png"))
    args = parser.parse_args()
    folder = Path(os.environ.get("MERMAID_DIR") or REPO / ".ci" / "node")
    script = folder / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not script.is_file() or browser is None:
        sys.exit("needs Mermaid in .ci/node (bash .ci/run) and chromium (apt-get install chromium)")
    sys.path.insert(0, str(REPO))
    from iinotes.cli import cli

    vault = REPO / "sample-vault"
    result = CliRunner().invoke(
        cli,
        ["--vault", str(vault), "--today", args.today, "review", "--format", "md"],
        catch_exceptions=False,
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style>"
        f"<script src='{script.as_uri()}'></script></head><body>{to_html(result.stdout)}"
        "<script>mermaid.initialize({startOnLoad: true, securityLevel: 'strict'});</script></body></html>"
    )
    with tempfile.TemporaryDirectory() as temp:
        page_file = Path(temp) / "review.html"
        page_file.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--allow-file-access-from-files",
                f"--user-data-dir={temp}/profile",
                "--virtual-time-budget=15000",
                "--window-size=1000,4880",
                f"--screenshot={args.out}",
                page_file.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
