"""How the organization's routes stand to record rules (see `tawasul/core/tests/routes.py`)."""

ORG = "organisation records: company-scoped by restrict, not governed by record rules"

COVERED: dict[str, str] = {}
NOT_GOVERNED = {
    "org:overview": ORG,
    "org:chart": ORG,
    "org:company_list": ORG,
    "org:company_create": ORG,
    "org:company_update": ORG,
    "org:branch_list": ORG,
    "org:branch_create": ORG,
    "org:branch_update": ORG,
    "org:department_list": ORG,
    "org:department_create": ORG,
    "org:department_update": ORG,
    "org:employee_list": ORG,
    "org:employee_export": ORG,
    "org:employee_create": ORG,
    "org:employee_detail": ORG,
    "org:employee_update": ORG,
    "org:work_calendar_list": ORG,
    "org:work_calendar_create": ORG,
    "org:work_calendar_update": ORG,
    "org:work_calendar_delete": ORG,
    "org:holiday_list": ORG,
    "org:holiday_create": ORG,
    "org:holiday_update": ORG,
    "org:holiday_delete": ORG,
    "router:workcalendar": ORG,
    "router:holiday": ORG,
    "router:company": ORG,
    "router:branch": ORG,
    "router:department": ORG,
    "router:employee": ORG,
}
