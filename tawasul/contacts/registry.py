"""What the contacts module declares at start-up to mechanisms that need its models: the record
rules' governance and the search text index. Its pages, API, roles and the rest are declared in
`module.py` (`tawasul.core.registry`)."""

from tawasul.core.search import register_text_index

from .governance import register as register_governance
from .models import Contact


def register() -> None:
    register_governance()
    register_text_index(Contact, "search_text", "contacts_contact_fts")  # migration 0005
