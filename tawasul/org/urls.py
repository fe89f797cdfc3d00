from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.OrgOverviewView.as_view(), name="overview"),
    path("chart/", views.OrgChartView.as_view(), name="chart"),
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/new/", views.CompanyFormView.as_view(), name="company_create"),
    path("companies/<int:pk>/edit/", views.CompanyFormView.as_view(), name="company_update"),
    path("branches/", views.BranchListView.as_view(), name="branch_list"),
    path("branches/new/", views.BranchFormView.as_view(), name="branch_create"),
    path("branches/<int:pk>/edit/", views.BranchFormView.as_view(), name="branch_update"),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/new/", views.DepartmentFormView.as_view(), name="department_create"),
    path(
        "departments/<int:pk>/edit/",
        views.DepartmentFormView.as_view(),
        name="department_update",
    ),
    path("employees/", views.EmployeeListView.as_view(), name="employee_list"),
    path("employees/export/", views.EmployeeExportView.as_view(), name="employee_export"),
    path("employees/new/", views.EmployeeFormView.as_view(), name="employee_create"),
    path("employees/<int:pk>/", views.EmployeeDetailView.as_view(), name="employee_detail"),
    path("employees/<int:pk>/edit/", views.EmployeeFormView.as_view(), name="employee_update"),
    path("work-calendars/", views.WorkCalendarListView.as_view(), name="work_calendar_list"),
    path("work-calendars/new/", views.WorkCalendarFormView.as_view(), name="work_calendar_create"),
    path(
        "work-calendars/<int:pk>/edit/",
        views.WorkCalendarFormView.as_view(),
        name="work_calendar_update",
    ),
    path(
        "work-calendars/<int:pk>/delete/",
        views.WorkCalendarDeleteView.as_view(),
        name="work_calendar_delete",
    ),
    path("holidays/", views.HolidayListView.as_view(), name="holiday_list"),
    path("holidays/new/", views.HolidayFormView.as_view(), name="holiday_create"),
    path("holidays/<int:pk>/edit/", views.HolidayFormView.as_view(), name="holiday_update"),
    path("holidays/<int:pk>/delete/", views.HolidayDeleteView.as_view(), name="holiday_delete"),
]
