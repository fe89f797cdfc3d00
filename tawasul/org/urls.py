from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.OrgOverviewView.as_view(), name="overview"),
    path("chart/", views.OrgChartView.as_view(), name="chart"),
]
