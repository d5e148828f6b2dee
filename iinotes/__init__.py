"""iinotes: follow-ups for informational interviews, from a vault of Markdown notes.

Use it as a library::

    from iinotes import Vault
    vault = Vault.find("~/notes")
    index = vault.index()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.2.1"

if TYPE_CHECKING:
    from .errors import IinotesError
    from .model import Contact, Interview, Problem
    from .pipeline import Vault

__all__ = ["Contact", "IinotesError", "Interview", "Problem", "Vault", "__version__"]

_WHERE = {
    "Contact": "model",
    "Interview": "model",
    "Problem": "model",
    "IinotesError": "errors",
    "Vault": "pipeline",
}


def __getattr__(name: str) -> object:
    """The public names, imported on first use (`iinotes --version` needs none of them)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'iinotes' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
