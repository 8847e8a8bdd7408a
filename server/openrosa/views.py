"""The OpenRosa blueprint with all its routes (each module registers its own)."""
from server.openrosa.protocol import bp  # noqa: F401
from server.openrosa import forms_out  # noqa: F401,E402  formList, form, manifest, media
from server.openrosa import submission  # noqa: F401,E402  HEAD/POST submission
