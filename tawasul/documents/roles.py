"""The documents module's part of the default roles.

Every member of staff may read and add files and notes on the records they can see (adding a
file also needs the right to change the record, `services`); managers who hold every
permission of the business modules also delete files and edit or delete anyone's notes.
Access itself comes from the parent records: no record rules of its own.
"""

from tawasul.access.roles import (
    ACCOUNTS_MANAGER,
    ACCOUNTS_STAFF,
    CASHIER,
    COLLECTION_MANAGER,
    COLLECTION_STAFF,
    COORDINATOR,
    CUSTODIAN,
    CUSTOMER_SERVICE_MANAGER,
    CUSTOMER_SERVICE_STAFF,
    GENERAL_MANAGER,
    HR_MANAGER,
    HR_STAFF,
    MAINTENANCE_MANAGER,
    MAINTENANCE_STAFF,
    MANAGEMENT_STAFF,
    QC_MANAGER,
    QC_STAFF,
    REPRESENTATIVE,
    RND_MANAGER,
    RND_STAFF,
    SALES_MANAGER,
    STAFF,
    SUPERVISOR,
    TECHNICIAN,
    WAREHOUSE_KEEPER,
    WAREHOUSE_MANAGER,
    WAREHOUSE_STAFF,
)

MODELS = ("document", "note")
READ_AND_ADD = tuple(
    f"documents.{action}_{model}" for model in MODELS for action in ("view", "add")
)
MANAGE = tuple(
    f"documents.{action}_{model}"
    for model in MODELS
    for action in ("view", "add", "change", "delete")
)
STAFF_ROLES = (
    SUPERVISOR,
    REPRESENTATIVE,
    COORDINATOR,
    CUSTOMER_SERVICE_MANAGER,
    CUSTOMER_SERVICE_STAFF,
    COLLECTION_MANAGER,
    COLLECTION_STAFF,
    MAINTENANCE_MANAGER,
    MAINTENANCE_STAFF,
    ACCOUNTS_MANAGER,
    ACCOUNTS_STAFF,
    CASHIER,
    WAREHOUSE_MANAGER,
    WAREHOUSE_STAFF,
    QC_MANAGER,
    QC_STAFF,
    RND_MANAGER,
    RND_STAFF,
    HR_MANAGER,
    HR_STAFF,
    WAREHOUSE_KEEPER,
    CUSTODIAN,
    TECHNICIAN,
    MANAGEMENT_STAFF,
    STAFF,
)


def register(registry) -> None:
    """Give the default roles their part over files and notes (administrators hold every
    permission of every module by themselves; portal accounts get none)."""
    registry.role_part(GENERAL_MANAGER, all_permissions_of=["documents"])
    registry.role_part(SALES_MANAGER, permissions=MANAGE)
    for role in STAFF_ROLES:
        registry.role_part(role, permissions=READ_AND_ADD)
