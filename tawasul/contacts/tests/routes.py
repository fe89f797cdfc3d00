"""How the contacts module's routes stand to record rules (see `tawasul/core/tests/routes.py`)."""

MASTER = "link-field master data: company-scoped by restrict, not governed by record rules"

COVERED = {
    "contacts:contact_list": "every row on every keyset page, plain and with ?q=",
    "contacts:dealer_list": "every row: visible dealers and agents",
    "contacts:contact_detail": "200 or 404 per contact; a dealer's customers-served list",
    "contacts:autocomplete": "contact (?q=) and dealer suggestions",
    "contacts:contact_export": "every CSV row",
    "contacts:dealer_export": "every CSV row: exportable dealers and agents",
    "contacts:contact_update": "404 outside the change set; moves out of it refused",
    "contacts:contact_lifecycle": "404 outside the change set; moves out of it refused",
    "contacts:contact_delete": "404 outside the delete set, nothing deleted",
    "contacts:contact_bulk": "bulk assign touches only contacts one may assign, all or none",
    "contacts:contact_create": "a new contact must land inside the change set",
    "router:contact": "list (every page), detail, PATCH, DELETE and POST",
    "contacts:team": "each subordinate's count of the contacts one may see",
}
NOT_GOVERNED = {
    "contacts:saved_filter": "the user's own saved list filters; no contacts",
    "contacts:import_list": "the company's import jobs; no contact rows",
    "contacts:import_upload": "uploads a file; contacts are created only by contact_create, "
    "which verifies each one lands inside the uploader's rights",
    "contacts:import_sample": "a static sample CSV",
    "contacts:import_detail": "one import job: the uploaded file's rows, not stored contacts",
    "contacts:import_mapping": "one import job's column mapping",
    "contacts:import_start": "starts an import job (rows created through contact_create)",
    "contacts:import_progress": "one import job's counters",
    "contacts:import_report": "one import job's error report (rows of the uploaded file)",
    "contacts:masterdata_index": MASTER,
    "contacts:masterdata_list": MASTER,
    "contacts:masterdata_export": MASTER,
    "contacts:masterdata_create": MASTER,
    "contacts:masterdata_update": MASTER,
    "contacts:masterdata_active": MASTER,
    "router:contacttype": MASTER,
    "router:contactcategory": MASTER,
    "router:area": MASTER,
    "router:industry": MASTER,
    "router:segment": MASTER,
    "router:size": MASTER,
    "router:productgroup": MASTER,
    "router:referralsource": MASTER,
}
