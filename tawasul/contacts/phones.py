"""Phone numbers of contacts: the shared definitions live in `tawasul.core.phones`."""

from tawasul.core.phones import (
    phone_display,
    phone_parse,
    phone_region,
    phone_search_forms,
    phone_to_e164,
)

__all__ = ["phone_display", "phone_parse", "phone_region", "phone_search_forms", "phone_to_e164"]
