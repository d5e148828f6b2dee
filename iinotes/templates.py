"""Where a vault keeps its note templates: `templates/` (what `iinotes init` makes and `iinotes new`
reads) and the folder Obsidian's Templates core plugin is set to (`.obsidian/templates.json`).

Templates carry `type: contact` / `type: interview`, so that a note Obsidian makes from one is a
real note; files in these folders are therefore never read as notes."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_FOLDER = "templates"
OBSIDIAN_SETTINGS = ".obsidian/templates.json"


def template_folders(root: Path) -> tuple[str, ...]:
    """Vault-relative template folders (with /), `templates` first."""
    folders = [DEFAULT_FOLDER]
    try:
        configured = json.loads((root / OBSIDIAN_SETTINGS).read_text("utf-8")).get("folder")
    except (OSError, ValueError, AttributeError):
        configured = None
    if isinstance(configured, str):
        folder = configured.replace("\\", "/").strip().strip("/")
        if folder and folder not in folders and not folder.startswith("."):
            folders.append(folder)
    return tuple(folders)


def is_template(rel: str, folders: tuple[str, ...]) -> bool:
    """Whether the vault-relative path `rel` is in one of `folders` (case-insensitively, as
    Windows and macOS file systems compare names)."""
    lowered = rel.casefold()
    return any(lowered.startswith(folder.casefold() + "/") for folder in folders)
