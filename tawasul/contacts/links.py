"""A contact's link fields, defined once.

`LINK_FIELDS` lists the fields of `Contact` that link it to other records of its company, and the
lifecycle (which record rules test like a link), in the order the rule editor offers them: each
with the kind under which record rules may test it (`tawasul.access.registry`; None: rules do not
test it) and the label the rule editor shows. Everything else is derived from it: the record
rules' declaration (`governance`), the columns the name index carries for the rules
(`models.RULE_COLUMNS`), the company check of a save (`services.COMPANY_LINKS`), the values the
form offers (`forms.ContactForm`), the API's link fields (`api.ContactSerializer`) and the
records the page and the export join in (`selectors.LINK_RELATED`). A test checks that every
foreign key of a contact is listed here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tawasul.access.registry import BRANCH, CHOICE, DEALER, EMPLOYEE, MANY, MASTER, TREE

LINK_FIELDS: tuple[tuple[str, str | None, str | Promise | None], ...] = (
    ("area", TREE, _("Area")),
    ("industry", MASTER, _("Industry")),
    ("segment", MASTER, _("Segment")),
    ("size", MASTER, _("Size")),
    ("product_groups", MANY, _("Product groups")),
    ("contact_type", MASTER, _("Type")),
    ("category", MASTER, _("Category")),
    ("referral_source", MASTER, _("Referral source")),
    ("referred_by_contact", None, None),
    ("referred_by_employee", None, None),
    ("branch", BRANCH, _("Branch")),
    ("representative", EMPLOYEE, _("Representative")),
    ("coordinator", EMPLOYEE, _("Coordinator")),
    ("manager", EMPLOYEE, _("Manager")),
    ("lifecycle", CHOICE, _("Lifecycle")),
    ("dealer", DEALER, _("Served by dealer or agent")),
)

# Fields record rules test: (name, kind, label).
RULE_FIELDS = tuple(entry for entry in LINK_FIELDS if entry[1] is not None)
# Columns of the contact row itself that rules test (not the many-to-many), for the name index.
RULE_COLUMNS = [name for name, kind, _label in RULE_FIELDS if kind != MANY]
# Links to other records (no lifecycle), each checked to belong to the contact's company.
LINKS = tuple(name for name, kind, _label in LINK_FIELDS if kind != CHOICE)
# The single-valued links (foreign keys).
SINGLE_LINKS = tuple(name for name, kind, _label in LINK_FIELDS if kind not in (CHOICE, MANY))
