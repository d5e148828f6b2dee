"""iinotes: follow-ups for informational interviews, from a vault of Markdown notes.

Use it as a library::

    from iinotes import Vault
    vault = Vault.find("~/notes")
    index = vault.index()
"""

__version__ = "0.1.0"

from .errors import IinotesError  # noqa: E402
from .model import Contact, Interview, Problem  # noqa: E402
from .pipeline import Vault  # noqa: E402

__all__ = ["Contact", "IinotesError", "Interview", "Problem", "Vault", "__version__"]
