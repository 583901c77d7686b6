from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/", views.framework_list, name="frameworks"),
    path("frameworks/<uuid:pk>/", views.framework_detail, name="framework"),
]
