from django.urls import path, register_converter

from . import views


class PeriodConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value.replace("/", "-")


register_converter(PeriodConverter, "period")

app_name = "facility_time"

urlpatterns = [
    path("<uuid:organisation_pk>/", views.latest, name="latest"),
    path("<uuid:organisation_pk>/<period:period>/", views.return_page, name="return"),
    path(
        "<uuid:organisation_pk>/<period:period>/representatives/add/",
        views.add_representative,
        name="add_representative",
    ),
    path(
        "<uuid:organisation_pk>/<period:period>/employer/",
        views.employer_inputs,
        name="employer",
    ),
    path("<uuid:organisation_pk>/<period:period>/sign/", views.sign, name="sign"),
    path("<uuid:organisation_pk>/<period:period>/return.csv", views.return_csv, name="csv"),
    path("<uuid:organisation_pk>/<period:period>/return.pdf", views.return_pdf, name="pdf"),
    path("representatives/<uuid:pk>/<period:period>/time/", views.time_record, name="time"),
    path("representatives/<uuid:pk>/<period:period>/cost/", views.hourly_cost, name="cost"),
]
