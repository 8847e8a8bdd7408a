"""The OpenRosa blueprint with all its routes (each module registers its own)."""
from server.openrosa.protocol import bp  # noqa: F401
