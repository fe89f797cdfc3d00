"""REST API for the organization: companies, branches, departments, employees."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from tawasul.core.access import user_company_id
from tawasul.core.api import CountryCodeField, ModelSerializer, RestrictedViewSetMixin

from . import services
from .filtersets import (
    BranchFilterSet,
    CompanyFilterSet,
    DepartmentFilterSet,
    EmployeeFilterSet,
    HolidayFilterSet,
    WorkCalendarFilterSet,
)
from .models import Branch, Company, Department, Employee, Holiday, JobRole, WorkCalendar


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A link to another record, offered only from what the requesting user may view."""

    def __init__(self, model=None, **kwargs):
        if model is not None:
            kwargs["queryset"] = model._default_manager.all()
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or not hasattr(queryset, "restrict"):
            return queryset.none()
        return queryset.restrict(request.user, "view")


class CompanySerializer(ModelSerializer):
    default_country = CountryCodeField(required=False)

    class Meta:
        model = Company
        fields = ["id", "code", "name", "name_ar", "default_country", "currency", "timezone"]


class BranchSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company)

    class Meta:
        model = Branch
        fields = ["id", "company", "code", "name", "name_ar", "city", "is_active"]


class DepartmentSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company)
    branch = ScopedPrimaryKeyRelatedField(model=Branch, required=False, allow_null=True)

    class Meta:
        model = Department
        fields = ["id", "company", "branch", "kind", "name", "name_ar", "is_active"]


class EmployeeSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company)
    branch = ScopedPrimaryKeyRelatedField(model=Branch, required=False, allow_null=True)
    department = ScopedPrimaryKeyRelatedField(model=Department, required=False, allow_null=True)
    reports_to = ScopedPrimaryKeyRelatedField(model=Employee, required=False, allow_null=True)
    roles = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=JobRole.objects.all(),  # access-ok: the fixed list of job roles
        required=False,
    )
    coordinated_representatives = ScopedPrimaryKeyRelatedField(
        model=Employee, many=True, required=False
    )
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
    )
    manager_ids = serializers.SerializerMethodField()

    class Meta:
        model = Employee
        fields = [
            "id",
            "company",
            "code",
            "name",
            "name_ar",
            "user",
            "branch",
            "department",
            "roles",
            "reports_to",
            "coordinated_representatives",
            "email",
            "phone",
            "is_active",
            "depth",
            "manager_ids",
        ]
        read_only_fields = ["depth"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Accounts that are free or already staff of the requester's company; never
            # another company's staff, never a portal account.
            company_id = user_company_id(request.user)
            self.fields["user"].queryset = get_user_model()._default_manager.filter(
                Q(employee__isnull=True) | Q(employee__company_id=company_id),
                portal_account__isnull=True,
            )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_manager_ids(self, obj) -> list[int]:
        return obj.manager_ids


class ServiceWriteMixin:
    """Route create and update through the module's service function."""

    service: Any = None  # the module's <record>_save, set by each viewset

    def perform_create(self, serializer):
        serializer.instance = type(self).service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).service(
            actor=self.request.user, instance=serializer.instance, **serializer.validated_data
        )


class CompanyViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    queryset = Company.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    ordering_fields = ["name", "code", "id"]
    ordering = "name"
    service = services.company_save


class BranchViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    queryset = Branch.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = BranchSerializer
    filterset_class = BranchFilterSet
    ordering_fields = ["name", "code", "id"]
    ordering = "name"
    service = services.branch_save


class DepartmentViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["name", "id"]
    ordering = "name"
    service = services.department_save


class EmployeeViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    queryset = Employee.objects.select_related("user").prefetch_related(
        "roles", "coordinated_representatives"
    )
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilterSet
    ordering_fields = ["name", "code", "id"]
    ordering = "name"
    service = services.employee_save


class WorkCalendarSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company)
    branch = ScopedPrimaryKeyRelatedField(model=Branch, required=False, allow_null=True)
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        max_length=7,
        required=False,
        help_text="ISO weekday numbers: 1 Monday ... 7 Sunday.",
    )

    class Meta:
        model = WorkCalendar
        fields = ["id", "company", "branch", "working_days", "day_starts", "day_ends"]


class HolidaySerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company)
    branch = ScopedPrimaryKeyRelatedField(model=Branch, required=False, allow_null=True)

    class Meta:
        model = Holiday
        fields = ["id", "company", "branch", "name", "name_ar", "starts_on", "ends_on"]


class WorkCalendarViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    """The company's work calendar and the branches' (writes through `work_calendar_save`)."""

    queryset = WorkCalendar.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = WorkCalendarSerializer
    filterset_class = WorkCalendarFilterSet
    ordering_fields = ["id"]
    ordering = "id"
    service = services.work_calendar_save

    def perform_destroy(self, instance):
        services.work_calendar_delete(actor=self.request.user, calendar=instance)


class HolidayViewSet(RestrictedViewSetMixin, ServiceWriteMixin, viewsets.ModelViewSet):
    """Holidays of the company or of a branch (writes through `holiday_save`)."""

    queryset = Holiday.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = HolidaySerializer
    filterset_class = HolidayFilterSet
    ordering_fields = ["starts_on", "name", "id"]
    ordering = "starts_on"
    service = services.holiday_save

    def perform_destroy(self, instance):
        services.holiday_delete(actor=self.request.user, holiday=instance)


def register(router) -> None:
    router.register("companies", CompanyViewSet)
    router.register("branches", BranchViewSet)
    router.register("departments", DepartmentViewSet)
    router.register("employees", EmployeeViewSet)
    router.register("work-calendars", WorkCalendarViewSet)
    router.register("holidays", HolidayViewSet)


__all__ = ["register", "ScopedPrimaryKeyRelatedField", "ServiceWriteMixin", "user_company_id"]
