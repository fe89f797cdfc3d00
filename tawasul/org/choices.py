from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    SALES = "sales", _("Sales")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    COLLECTION = "collection", _("Collection")
    MAINTENANCE = "maintenance", _("Maintenance")
    QC = "qc", _("Quality control")
    RND = "rnd", _("Research & development")
    ACCOUNTS = "accounts", _("Accounts")
    WAREHOUSE = "warehouse", _("Warehouse")
    MANAGEMENT = "management", _("Management")
    HR = "hr", _("Human resources")
    OTHER = "other", _("Other")


class JobRoleCode(models.TextChoices):
    REPRESENTATIVE = "representative", _("Representative (delegate)")
    COORDINATOR = "coordinator", _("Communication coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    CUSTODIAN = "custodian", _("Custodian")
    WAREHOUSE_KEEPER = "warehouse_keeper", _("Warehouse keeper")
    CASHIER = "cashier", _("Cashier")
    TECHNICIAN = "technician", _("Technician")
    ADMINISTRATOR = "administrator", _("Administrator")
