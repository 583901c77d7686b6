from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<uuid:pk>/", views.document_status, name="status"),
    path("<uuid:pk>/retry/", views.retry_document, name="retry"),
]
